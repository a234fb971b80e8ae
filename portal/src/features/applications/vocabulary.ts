/**
 * The words of the application processing system the portal shows, enumerated from the domain and the
 * contract: kinds, states, events, document fields and choices. Labels are looked up under these prefixes
 * (`appKind.`, `appState.`, `appEvent.`, `appField.`, `appOption.`), and test/portal/i18n.test.ts checks
 * that every value here has its label in each language.
 */
import type { TSchema } from "@sinclair/typebox";
import { APPLICATION_KINDS, type ApplicationKind } from "../../../../src/domain/workflows/types.js";
import { WORKFLOWS } from "../../../../src/domain/workflows/index.js";
import { DOCUMENTS, EVENT_DATA, IncidentDocument, SUBMITTABLE_KINDS } from "../../../../src/contract/applications.js";

export { APPLICATION_KINDS, DOCUMENTS, EVENT_DATA, IncidentDocument, WORKFLOWS, type ApplicationKind };

/** Kinds a person submits from the portal: incidents have their own form, re-categorisation its public page. */
export const FORM_KINDS = SUBMITTABLE_KINDS.filter((k) => k !== "incident" && k !== "recategorisation");

export const APP_STATES = [...new Set(APPLICATION_KINDS.flatMap((k) => WORKFLOWS[k].states))];

/** Events recorded by the engine besides the transitions of the definitions. */
const ENGINE_EVENTS = ["submitted", "signature-verified", "eligibility-checked", "flagged-late", "task-completed"];
export const APP_EVENTS = [...new Set([...ENGINE_EVENTS, ...APPLICATION_KINDS.flatMap((k) => WORKFLOWS[k].transitions.map((t) => t.event))])];

/** Events a person records (an applicant or STS): their buttons say what they do (`appAction.`). */
export const APP_ACTIONS = [...new Set(APPLICATION_KINDS.flatMap((k) => WORKFLOWS[k].transitions.filter((t) => t.by.some((b) => b !== "system")).map((t) => t.event)))];

type Node = TSchema & { properties?: Record<string, Node>; items?: Node; anyOf?: Node[]; const?: unknown };
export const isChoice = (s: Node) => Array.isArray(s.anyOf) && s.anyOf.every((x) => x.const !== undefined);

/** Fields of the signature check and of the engine's own events, shown with the document's. */
const EXTRA_FIELDS = ["signerBin", "subject", "issuer", "serial", "algorithm", "signingTime", "task", "eligible", "class", "workingDays", "allowed"];

/** Every property name and choice value of the documents and event data. */
export function schemaVocabulary(schemas: TSchema[] = [...Object.values(DOCUMENTS), ...Object.values(EVENT_DATA)]): { fields: string[]; options: string[] } {
  const fields = new Set<string>();
  const options = new Set<string>();
  const walk = (s: Node) => {
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      fields.add(k);
      walk(v);
    }
    if (s.items) walk(s.items);
    if (isChoice(s)) for (const x of s.anyOf!) options.add(String(x.const));
  };
  schemas.forEach((s) => walk(s as Node));
  for (const f of EXTRA_FIELDS) fields.add(f);
  return { fields: [...fields].sort(), options: [...options].sort() };
}

/** Who must act before a deadline. */
export const PARTIES = ["sts", "applicant"] as const;

export const TASK_STATES = ["open", "done"] as const;

/** Statuses of access policies (active, superseded, lapsed, withdrawn) and exceptions (active, expired, revoked). */
export const POLICY_STATUSES = ["active", "superseded", "lapsed", "withdrawn", "expired", "revoked"] as const;

/** How an incident reached the duty service. */
export const INCIDENT_SOURCES = ["api", "email"] as const;

/** Deadline kinds of the workflow definitions (a kind added there shows the engine's English wording until labelled). */
export const DEADLINE_KINDS = ["acknowledgement", "disconnection", "exception-term", "expiry-notice", "fix", "policy-term", "readiness", "specifications-renewal", "sts-answer", "sts-apply", "sts-connect", "sts-decide", "sts-measures", "lapse-notice-30", "lapse-notice-7"] as const;
