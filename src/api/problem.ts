/** Rendering every failure as RFC 9457 problem+json. Unknown errors become a bare 500: no stack, no SQL, no secrets. */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { Problem, PROBLEMS, type ProblemCode } from "../contract/problem.js";

export function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  // Domain errors that carry a registered QQ_ERR_* code (e.g. the calendar's) keep their code and message.
  const coded = err as { code?: unknown; message?: string };
  if (err instanceof Error && typeof coded.code === "string" && coded.code in PROBLEMS) return new Problem(coded.code as ProblemCode, err.message);
  const e = err as FastifyError & { validation?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] };
  if (e?.validation) {
    const errors = e.validation.map((v) => ({
      path: v.instancePath || (v.params?.missingProperty ? `/${String(v.params.missingProperty)}` : v.params?.additionalProperty ? `/${String(v.params.additionalProperty)}` : "/"),
      message: v.params?.additionalProperty ? `unknown property ${String(v.params.additionalProperty)}` : (v.message ?? "invalid"),
    }));
    const where = (e as { validationContext?: string }).validationContext ?? "body";
    return new Problem("QQ_ERR_VALIDATION", `${where}: ${errors.map((x) => `${x.path} ${x.message}`).join("; ")}`, { errors });
  }
  switch (e?.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new Problem("QQ_ERR_BODY_TOO_LARGE", e.message);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new Problem("QQ_ERR_BAD_CONTENT_TYPE", e.message);
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new Problem("QQ_ERR_VALIDATION", e.message);
  }
  if (e?.statusCode === 400 && e instanceof SyntaxError) return new Problem("QQ_ERR_VALIDATION", `body is not valid JSON: ${e.message}`);
  if (typeof e?.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return new Problem(e.statusCode === 415 ? "QQ_ERR_BAD_CONTENT_TYPE" : e.statusCode === 413 ? "QQ_ERR_BODY_TOO_LARGE" : "QQ_ERR_VALIDATION", e.message);
  }
  return new Problem("QQ_ERR_INTERNAL", "internal error; the request changed nothing");
}

export function sendProblem(req: FastifyRequest, reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type("application/problem+json").send(p.toJSON(req.url.split("?")[0]));
}
