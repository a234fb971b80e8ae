/**
 * Requests from behind a block page (re-categorisation or unblocking), open to anyone without an account.
 * The requester gets a status token — the only key to read the decision — and nothing identifying them is
 * kept beyond the optional contact address they chose to give.
 */
import { randomBytes } from "node:crypto";
import type { Transaction } from "kysely";
import type { Database } from "../store/schema.js";
import type { Static } from "@sinclair/typebox";
import { Problem } from "../contract/problem.js";
import type { RecategorisationDocument } from "../contract/applications.js";
import { systemPrincipal } from "../domain/authz.js";
import { appendAudit } from "../store/audit.js";
import { iso, type Ctx } from "./context.js";
import { submitApplication, tokenHash } from "./applications.js";

export async function submitPublicRequest(tx: Transaction<Database>, document: Static<typeof RecategorisationDocument>, now = new Date()) {
  const principal = systemPrincipal("public-request");
  const ctx: Ctx = { tx, principal, requestId: null, now, audit: (input) => appendAudit(tx, principal, input, now) };
  const token = randomBytes(24).toString("base64url");
  const v = await submitApplication(ctx, "recategorisation", { document }, {
    applicant: { type: "public", organisationId: null, operatorId: null },
    publicTokenHash: tokenHash(token),
    actor: { kind: "public", id: "public", name: "public", role: "public" },
  });
  return { number: v.number, statusToken: token, dueDate: v.deadlines[0]?.dueDate ?? "" };
}

export async function publicRequestStatus(tx: Transaction<Database>, token: string) {
  const r = await tx.selectFrom("application").selectAll().where("public_token_hash", "=", tokenHash(token)).where("kind", "=", "recategorisation").executeTakeFirst();
  if (!r) throw new Problem("QQ_ERR_NOT_FOUND", "no request with this status token");
  const d = await tx.selectFrom("application_event").select(["at", "data"]).where("application_id", "=", r.id).where("type", "=", "decided").executeTakeFirst();
  return {
    number: r.number,
    state: r.state,
    host: String(r.payload.host),
    submittedAt: iso(r.submitted_at),
    decision: d ? { outcome: String(d.data.outcome), reason: String(d.data.reason), at: iso(d.at) } : null,
  };
}
