/**
 * Roles, scopes and the permission table. Every API route names one permission; this table says which
 * roles hold it. Scope (which rows a holder may see) is applied by the store through `scopeOf`.
 *
 *   STS staff (administrator, duty officer, engineer) and the auditor see every organisation and operator;
 *   operator staff see only their telecom operator's data; organisation staff only their organisation's.
 *   The auditor reads everything, including the audit log, and writes nothing.
 */
export const ROLES = ["sts_admin", "sts_duty_officer", "sts_engineer", "operator_staff", "organisation_staff", "auditor"] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  accountId: string;
  username: string;
  role: Role;
  operatorId: string | null;
  organisationId: string | null;
  via: "session" | "token" | "system";
}

/** The system actor for automatic actions (scheduler, deadlines, detections); it is recorded as such in the audit log. */
export function systemPrincipal(job: string): Principal {
  return { accountId: `system:${job}`, username: `system:${job}`, role: "sts_admin", operatorId: null, organisationId: null, via: "system" };
}

const STS: Role[] = ["sts_admin", "sts_duty_officer", "sts_engineer"];
const READ_ALL: Role[] = [...STS, "auditor"];
const EVERYONE: Role[] = [...ROLES];

export const PERMISSIONS = {
  "organisation.read": EVERYONE,
  "organisation.write": ["sts_admin", "sts_engineer"],
  "operator.read": EVERYONE,
  "operator.write": ["sts_admin"],
  "contract.read": EVERYONE,
  // p.4: the contract is concluded between the operator and the organisation; the operator records it.
  "contract.write": ["sts_admin", "sts_engineer", "operator_staff"],
  "catalogue.read": EVERYONE,
  // p.13: the telecom operator keeps the catalogue up to date; STS may correct it.
  "catalogue.write": ["sts_admin", "sts_engineer", "operator_staff"],
  "account.read": ["sts_admin", "auditor"],
  "account.write": ["sts_admin"],
  "audit.read": ["sts_admin", "auditor"],
  "calendar.read": EVERYONE,
  "calendar.write": ["sts_admin"],
  "notification.read": ["sts_admin", "sts_duty_officer", "auditor"],
  // Workflows. Which events a holder may record is decided by the application's state machine (applicant or STS).
  "application.read": EVERYONE,
  "application.submit": [...STS, "operator_staff", "organisation_staff"],
  "application.act": [...STS, "operator_staff", "organisation_staff"],
  "application.stats": READ_ALL,
  "task.read": READ_ALL,
  "task.write": STS,
  "incident.read": EVERYONE,
  // p.14: the telecom operator or the organisation informs the duty service.
  "incident.report": [...STS, "operator_staff", "organisation_staff"],
  "policy.read": EVERYONE,
  // p.13: the operator sees the unknown addresses it was notified of; STS attributes them.
  "unknown-source.read": [...READ_ALL, "operator_staff"],
  "unknown-source.write": ["sts_admin", "sts_engineer"],
  "eds.trust-anchor.read": READ_ALL,
  "eds.trust-anchor.write": ["sts_admin"],
  // The gateway: anyone may simulate a decision for a source in their own scope; STS manages categories.
  // Individual browsing records are not listed by any route (no surveillance of persons); STS and the
  // auditor see aggregates, and a block-page reference resolves to its own record for a complaint.
  "gateway.what-if": EVERYONE,
  "gateway.status": READ_ALL,
  "category.read": EVERYONE,
  "category.write": ["sts_admin", "sts_engineer"],
  "decision.read": READ_ALL,
  // Pinned-application candidates: aggregates per destination host (never a person's browsing); approving one
  // changes how allowed flows to it pass (spliced, not bumped), so it is the STS administrator's and engineer's.
  "gateway.pinned.read": READ_ALL,
  "gateway.pinned.decide": ["sts_admin", "sts_engineer"],
  // Gateway nodes of the multi-node mode: who is enrolled and in which state is for STS and the auditor to read;
  // issuing, rotating and revoking a node's credential (which lets it obtain leaves, p.21–23) is the
  // administrator's, as the CA's lifecycle is.
  "gateway-node.read": READ_ALL,
  "gateway-node.write": ["sts_admin"],
  // Gateway CA (p.21–23): the root is public to every role — operators pass it on (p.22), organisations install
  // it (p.23); generating, publishing, activating, rotating and revoking are the STS administrator's.
  "ca.read": EVERYONE,
  "ca.write": ["sts_admin"],
  // Mail gateway (UGEM): an organisation sees its own connected mail systems, STS and the auditor all; telecom
  // operators carry no mail and see none. STS suspends, releases and deletes held mail after review (UGEM p.12).
  "mail.read": [...READ_ALL, "organisation_staff"],
  "mail.write": STS,
  // Reports (dashboard, transparency report): aggregates only, for STS and the auditor.
  "report.read": READ_ALL,
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(principal: Pick<Principal, "role">, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(principal.role);
}

export type Scope = { kind: "all" } | { kind: "operator"; operatorId: string } | { kind: "organisation"; organisationId: string };

/** Which rows a principal may see. A scoped role without its scope id sees nothing (fail closed). */
export function scopeOf(p: Principal): Scope {
  if (p.role === "operator_staff") return { kind: "operator", operatorId: p.operatorId ?? "00000000-0000-0000-0000-000000000000" };
  if (p.role === "organisation_staff") return { kind: "organisation", organisationId: p.organisationId ?? "00000000-0000-0000-0000-000000000000" };
  return { kind: "all" };
}
