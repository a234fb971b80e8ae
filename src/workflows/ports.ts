/**
 * What the workflows need from other subsystems, as small ports with in-memory defaults.
 *
 * `MailSystemsPort` — UGEM p.9 and p.11: when STS connects an applicant's mail system, the mail gateway gets a
 * `mail_system` record; when it disconnects one, the record goes. The mail gateway implements this over its
 * own tables (the workflows never write them); the in-memory default keeps the workflows testable alone.
 * Both calls run inside the transaction of the workflow event, so the record and the event commit together.
 */
import type { Transaction } from "kysely";
import type { Database } from "../store/schema.js";

export interface MailSystemConnection {
  /** the application that connected it: the key of the record for `disconnect` */
  applicationId: string;
  organisationId: string;
  /** "the name of the e-mail domain connected to UGEM" (UGEM Appendix), A-label */
  domain: string;
  /** "the owner of the e-mail domain" */
  owner: string;
  /** "the IP address of the mail server": the addresses allowed to relay outbound */
  serverAddresses: string[];
  /** where inbound mail for the domain is delivered; defaults to the first server address, port 25 */
  inbound: { host: string; port: number };
  /** technical contact notified of suspensions (UGEM p.12) */
  ownerEmail: string;
  name: string;
}

export interface MailSystemsPort {
  connect(tx: Transaction<Database>, system: MailSystemConnection): Promise<{ mailSystemId: string }>;
  disconnect(tx: Transaction<Database>, input: { applicationId: string; reason: string }): Promise<void>;
}

/** The default until the mail gateway's implementation is wired in: remembers connections in memory. */
export function memoryMailSystems(): MailSystemsPort & { readonly systems: Map<string, MailSystemConnection & { mailSystemId: string }> } {
  const systems = new Map<string, MailSystemConnection & { mailSystemId: string }>();
  let n = 0;
  return {
    systems,
    async connect(_tx, system) {
      const existing = systems.get(system.applicationId);
      if (existing) return { mailSystemId: existing.mailSystemId };
      const mailSystemId = `memory-${++n}`;
      systems.set(system.applicationId, { ...system, mailSystemId });
      return { mailSystemId };
    },
    async disconnect(_tx, input) {
      systems.delete(input.applicationId);
    },
  };
}
