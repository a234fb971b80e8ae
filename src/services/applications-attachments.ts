/**
 * Attachments of applications (scans of official letters, diagrams) and the follow-up tasks of STS (p.19).
 * Attachments are small and of four types only, and the declared type must be what the bytes are: a file
 * named .pdf that is not a PDF is refused, so nothing executable rides in under a harmless name.
 */
import { createHash } from "node:crypto";
import { Problem } from "../contract/problem.js";
import { ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES } from "../contract/applications.js";
import { iso, requirePermission, type Ctx } from "./context.js";
import { actorOf, findApplication, loadHistory, toTask } from "./applications.js";

export const MAX_ATTACHMENTS = 20;

/** Does `bytes` look like `mediaType`? Magic numbers for the binary types; valid UTF-8 without NUL for text. */
export function contentMatches(mediaType: string, bytes: Buffer): boolean {
  switch (mediaType) {
    case "application/pdf":
      return bytes.subarray(0, 5).toString("latin1") === "%PDF-";
    case "image/png":
      return bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    case "image/jpeg":
      return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
    case "text/plain":
      if (bytes.includes(0)) return false;
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        return true;
      } catch {
        return false;
      }
    default:
      return false;
  }
}

function decodeBase64(text: string): Buffer {
  const clean = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) throw new Problem("QQ_ERR_VALIDATION", "contentBase64 is not base64", { errors: [{ path: "/contentBase64", message: "not base64" }] });
  return Buffer.from(clean, "base64");
}

export async function addAttachment(ctx: Ctx, applicationId: string, input: { name: string; mediaType: string; contentBase64: string }) {
  const r = await findApplication(ctx, applicationId, true);
  if (!actorOf(ctx.principal, r) || ctx.principal.role === "auditor") throw new Problem("QQ_ERR_FORBIDDEN", `you may read application ${r.number} but not add to it`);
  if (!(ATTACHMENT_TYPES as readonly string[]).includes(input.mediaType)) throw new Problem("QQ_ERR_ATTACHMENT_TYPE", `${input.mediaType} is not accepted; use ${ATTACHMENT_TYPES.join(", ")}`);
  const bytes = decodeBase64(input.contentBase64);
  if (bytes.length === 0) throw new Problem("QQ_ERR_VALIDATION", "the attachment is empty");
  if (bytes.length > ATTACHMENT_MAX_BYTES) throw new Problem("QQ_ERR_BODY_TOO_LARGE", `the attachment is ${bytes.length} bytes; at most ${ATTACHMENT_MAX_BYTES}`);
  if (!contentMatches(input.mediaType, bytes)) throw new Problem("QQ_ERR_ATTACHMENT_TYPE", `the content is not ${input.mediaType}`);
  const [{ n }] = (await ctx.tx.selectFrom("application_attachment").select((eb) => eb.fn.countAll<number>().as("n")).where("application_id", "=", r.id).execute()) as [{ n: number }];
  if (Number(n) >= MAX_ATTACHMENTS) throw new Problem("QQ_ERR_CONFLICT", `application ${r.number} already has ${MAX_ATTACHMENTS} attachments`);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const row = await ctx.tx
    .insertInto("application_attachment")
    .values({ application_id: r.id, name: input.name, media_type: input.mediaType, size: bytes.length, sha256, content: bytes, created_by: ctx.principal.accountId })
    .returning(["id", "name", "media_type", "size", "sha256", "created_at"])
    .executeTakeFirstOrThrow();
  const out = { id: row.id, name: row.name, mediaType: row.media_type, size: row.size, sha256: row.sha256, createdAt: iso(row.created_at) };
  await ctx.audit({ action: "application.attachment-add", entityType: "application", entityId: r.id, after: { number: r.number, attachment: out } });
  return out;
}

export async function listAttachments(ctx: Ctx, applicationId: string) {
  const r = await findApplication(ctx, applicationId);
  const rows = await ctx.tx.selectFrom("application_attachment").select(["id", "name", "media_type", "size", "sha256", "created_at"]).where("application_id", "=", r.id).orderBy("created_at").execute();
  return rows.map((a) => ({ id: a.id, name: a.name, mediaType: a.media_type, size: a.size, sha256: a.sha256, createdAt: iso(a.created_at) }));
}

export async function getAttachment(ctx: Ctx, applicationId: string, attachmentId: string) {
  const r = await findApplication(ctx, applicationId);
  const a = await ctx.tx.selectFrom("application_attachment").selectAll().where("application_id", "=", r.id).where("id", "=", attachmentId).executeTakeFirst();
  if (!a) throw new Problem("QQ_ERR_NOT_FOUND", `attachment ${attachmentId} not found`);
  return { name: a.name, mediaType: a.media_type, content: a.content };
}

// ─── follow-up tasks (p.19) ─────────────────────────────────────────────────────────────────────────────────

export async function listTasks(ctx: Ctx, q: { state?: "open" | "done"; limit: number; offset: number }) {
  requirePermission(ctx.principal, "task.read");
  let base = ctx.tx.selectFrom("workflow_task");
  if (q.state) base = base.where("state", "=", q.state);
  const [{ n }] = (await base.select((eb) => eb.fn.countAll<number>().as("n")).execute()) as [{ n: number }];
  const rows = await base.selectAll().orderBy("created_at").orderBy("key").limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(toTask), total: Number(n), limit: q.limit, offset: q.offset };
}

export async function completeTask(ctx: Ctx, taskId: string) {
  requirePermission(ctx.principal, "task.write");
  const t = await ctx.tx.selectFrom("workflow_task").selectAll().where("id", "=", taskId).forUpdate().executeTakeFirst();
  if (!t) throw new Problem("QQ_ERR_NOT_FOUND", `task ${taskId} not found`);
  if (t.state === "done") throw new Problem("QQ_ERR_CONFLICT", `task ${taskId} is already done`);
  const done = await ctx.tx.updateTable("workflow_task").set({ state: "done", done_at: ctx.now, done_by: ctx.principal.username }).where("id", "=", taskId).returningAll().executeTakeFirstOrThrow();
  const history = await loadHistory(ctx.tx, t.application_id);
  await ctx.tx
    .insertInto("application_event")
    .values({ application_id: t.application_id, seq: history.length + 1, type: "task-completed", actor: JSON.stringify({ kind: "sts", id: ctx.principal.accountId, name: ctx.principal.username, role: ctx.principal.role }), at: ctx.now, data: JSON.stringify({ task: t.title }) })
    .execute();
  await ctx.audit({ action: "task.complete", entityType: "workflow_task", entityId: taskId, before: toTask(t), after: toTask(done) });
  return toTask(done);
}
