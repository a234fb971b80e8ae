/**
 * Mail systems on a real store for the API and store tests: an application row in state `connected` (as the
 * mail-gateway workflow leaves it) and the store port's own `connect`, in one transaction — the same call the
 * workflow makes. And a policy service over the store ports with Postfix's queue replaced by `MemoryQueue`.
 */
import { randomUUID } from "node:crypto";
import type { Store } from "../../../src/store/db.js";
import type { Sealer } from "../../../src/secrets/sealer.js";
import { mailAudit, mailOutbox, storeMailSystems } from "../../../src/services/mail-store.js";
import { MailPolicyService } from "../../../src/mail/policy/server.js";
import { MemoryQueue } from "../../../src/mail/memory.js";

let seq = 0;

export async function connectTestSystem(store: Store, sealer: Sealer, o: { organisationId: string; domain: string; addresses: string[]; ownerEmail?: string; inbound?: { host: string; port: number } }): Promise<{ mailSystemId: string; applicationId: string }> {
  const port = storeMailSystems(store.db, { sealer });
  return store.db.transaction().execute(async (tx) => {
    const app = await tx
      .insertInto("application")
      .values({ kind: "mail-gateway-connection", number: `MT-${process.pid}-${++seq}-${randomUUID().slice(0, 8)}`, applicant_type: "organisation", organisation_id: o.organisationId, state: "connected", payload: JSON.stringify({ domain: o.domain }), sealed: "{}", operator_id: null, signature: null, external_ref: null, public_token_hash: null, submitted_by: "test", submitted_at: new Date() })
      .returning("id")
      .executeTakeFirstOrThrow();
    const r = await port.connect(tx, {
      applicationId: app.id,
      organisationId: o.organisationId,
      domain: o.domain,
      owner: "Owner",
      serverAddresses: o.addresses,
      inbound: o.inbound ?? { host: o.addresses[0]!, port: 25 },
      ownerEmail: o.ownerEmail ?? "postmaster@owner.example",
      name: `${o.domain} mail`,
    });
    return { mailSystemId: r.mailSystemId, applicationId: app.id };
  });
}

export function storePolicyService(store: Store, sealer: Sealer, queue = new MemoryQueue()): { service: MailPolicyService; queue: MemoryQueue } {
  const service = new MailPolicyService({
    directory: storeMailSystems(store.db, { sealer }),
    outbox: mailOutbox(store.db),
    audit: mailAudit(store.db),
    queue,
    stsAddress: "duty@sts.example",
    holdGraceMs: 0,
  });
  return { service, queue };
}
