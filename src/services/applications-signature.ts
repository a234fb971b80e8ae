/**
 * EDS of signed applications (p.15, p.15-2): a detached CMS signature over the canonical JSON of the document,
 * verified against the trust anchors STS configured (the NCA roots are data, not code), with the signer's BIN
 * required to be the applicant organisation's. A signature that does not verify is refused with the
 * verifier's exact reason; one that does is stored with its result.
 */
import { createHash, X509Certificate } from "node:crypto";
import type { Transaction } from "kysely";
import type { Database } from "../store/schema.js";
import { Problem } from "../contract/problem.js";
import { iso, requirePermission, isUniqueViolation, type Ctx } from "./context.js";
import { workflowRuntime } from "../workflows/runtime.js";

export async function verifyApplicationSignature(
  tx: Transaction<Database>,
  input: { content: Uint8Array; signature: string; expectedBin?: string; now: Date },
): Promise<Record<string, unknown>> {
  const anchors = await tx.selectFrom("eds_trust_anchor").select(["kind", "pem"]).execute();
  const roots = anchors.filter((a) => a.kind === "root").map((a) => a.pem);
  if (roots.length === 0) throw new Problem("QQ_ERR_EDS_NOT_CONFIGURED", "no EDS root certificates are configured; STS adds the NCA roots under /api/eds/trust-anchors");
  const res = await workflowRuntime().eds.verify({
    content: input.content,
    signature: input.signature,
    trustAnchors: roots,
    intermediates: anchors.filter((a) => a.kind === "intermediate").map((a) => a.pem),
    ...(input.expectedBin ? { expectedBin: input.expectedBin } : {}),
    now: input.now,
  });
  if (!res.ok) {
    if (res.code === "external-verifier-unavailable") throw new Problem("QQ_ERR_EDS_UNAVAILABLE", `signature not verified: ${res.message}`, { eds: { code: res.code, message: res.message } });
    throw new Problem("QQ_ERR_EDS_SIGNATURE", `signature refused (${res.code}): ${res.message}`, { eds: { code: res.code, message: res.message } });
  }
  return { ...res, verifiedAt: input.now.toISOString() };
}

// ─── trust anchors, configured by STS ───────────────────────────────────────────────────────────────────────

function toAnchor(r: { id: string; name: string; kind: string; fingerprint_sha256: string; subject: string; not_after: Date; created_at: Date; created_by: string }) {
  return { id: r.id, name: r.name, kind: r.kind, fingerprintSha256: r.fingerprint_sha256, subject: r.subject, notAfter: iso(r.not_after), createdAt: iso(r.created_at), createdBy: r.created_by };
}

export async function listTrustAnchors(ctx: Ctx) {
  requirePermission(ctx.principal, "eds.trust-anchor.read");
  const rows = await ctx.tx.selectFrom("eds_trust_anchor").selectAll().orderBy("kind", "desc").orderBy("name").execute();
  return rows.map(toAnchor);
}

export async function addTrustAnchor(ctx: Ctx, input: { name: string; kind: "root" | "intermediate"; pem: string }) {
  requirePermission(ctx.principal, "eds.trust-anchor.write");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(input.pem);
  } catch (e) {
    throw new Problem("QQ_ERR_VALIDATION", `pem: not an X.509 certificate (${(e as Error).message})`, { errors: [{ path: "/pem", message: "not an X.509 certificate" }] });
  }
  if (!cert.ca) throw new Problem("QQ_ERR_VALIDATION", "pem: the certificate is not a CA certificate (basicConstraints CA:true)", { errors: [{ path: "/pem", message: "not a CA certificate" }] });
  if (input.kind === "root" && !cert.checkIssued(cert)) throw new Problem("QQ_ERR_VALIDATION", "pem: a root must be self-issued", { errors: [{ path: "/kind", message: "not self-issued" }] });
  const fingerprint = createHash("sha256").update(cert.raw).digest("hex");
  try {
    const r = await ctx.tx
      .insertInto("eds_trust_anchor")
      .values({ name: input.name, kind: input.kind, pem: cert.toString(), fingerprint_sha256: fingerprint, subject: cert.subject.replaceAll("\n", ", "), not_after: new Date(cert.validTo), created_by: ctx.principal.username })
      .returningAll()
      .executeTakeFirstOrThrow();
    const out = toAnchor(r);
    await ctx.audit({ action: "eds.trust-anchor.add", entityType: "eds_trust_anchor", entityId: r.id, after: out });
    return out;
  } catch (e) {
    if (isUniqueViolation(e)) throw new Problem("QQ_ERR_DUPLICATE", `certificate ${fingerprint} is already a trust anchor`);
    throw e;
  }
}

export async function removeTrustAnchor(ctx: Ctx, id: string) {
  requirePermission(ctx.principal, "eds.trust-anchor.write");
  const r = await ctx.tx.deleteFrom("eds_trust_anchor").where("id", "=", id).returningAll().executeTakeFirst();
  if (!r) throw new Problem("QQ_ERR_NOT_FOUND", `trust anchor ${id} not found`);
  await ctx.audit({ action: "eds.trust-anchor.remove", entityType: "eds_trust_anchor", entityId: id, before: toAnchor(r) });
}
