/**
 * The control-plane HTTP API. Schemas (src/contract) validate input, type the handlers and generate the
 * OpenAPI 3.1 document at /api/openapi.json. Every route declares the permission it needs; `route()` refuses
 * to register one without it, so no route can forget authorisation.
 */
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifySchema } from "fastify";
import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { randomUUID } from "node:crypto";
import type { Store } from "../store/db.js";
import type { Permission, Principal } from "../domain/authz.js";
import { Problem } from "../contract/problem.js";
import { ProblemSchema } from "../contract/common.js";
import { authenticate } from "./auth.js";
import { sendProblem, toProblem } from "./problem.js";
import { inTx, requirePermission, type Ctx } from "../services/context.js";

export interface ApiDeps {
  store: Store;
  /** true when served over TLS (sets the Secure cookie attribute). */
  secureCookies?: boolean;
  logger?: boolean | object;
  /** readiness probes from the other subsystems (gateway snapshot loaded, mail policy service up…). */
  readiness?: () => Promise<Record<string, boolean>>;
  version?: string;
  /** The gateway's live policy snapshot (all-in-one); absent = the what-if compiles one from the store. */
  snapshot?: () => import("../gateway-core/snapshot.js").PolicySnapshot | null;
  gatewayError?: () => string | null;
  /** The static hosts map of the configuration (what-if without a running gateway). */
  hosts?: Record<string, string[]>;
  /** Prometheus registry served at /metrics. */
  metrics?: import("prom-client").Registry;
  /** Seals the secrets the API issues (gateway node credentials) under the master key; absent = refused (503). */
  sealer?: import("../secrets/sealer.js").Sealer;
}

export type App = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>;

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** every API route with the access rule it declared (the authorisation tests walk this list) */
    qaqpaRoutes: { method: string; url: string; access: Access }[];
  }
}

export type Access = Permission | "authenticated" | "public";

export interface RouteDef<S extends FastifySchema> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  access: Access;
  schema: S & { tags?: string[]; summary?: string };
  bodyLimit?: number;
}

export function principalOrThrow(req: FastifyRequest): Principal {
  if (!req.principal) throw new Problem("QQ_ERR_UNAUTHENTICATED");
  return req.principal;
}

/** Run a handler inside one transaction as the calling principal. */
export function tx<T>(deps: ApiDeps, req: FastifyRequest, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  return inTx(deps.store, principalOrThrow(req), req.id, fn);
}

export async function buildApi(deps: ApiDeps, register: (app: App, route: RouteFn) => void | Promise<void>): Promise<App> {
  const app = Fastify({
    logger: deps.logger ?? false,
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "qaqpa API", version: deps.version ?? "0.1.0", description: "Unified gateway to Internet access: control-plane API" },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" }, session: { type: "apiKey", in: "cookie", name: "qaqpa_session" } } },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  app.addSchema(ProblemSchema);

  app.decorateRequest("principal", null);
  app.addContentTypeParser(["text/csv", "text/plain"], { parseAs: "string", bodyLimit: 16 * 1024 * 1024 }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, req, reply) => {
    const p = toProblem(err);
    if (p.code === "QQ_ERR_INTERNAL") req.log.error({ err }, "unhandled error");
    return sendProblem(req, reply, p);
  });
  app.setNotFoundHandler((req, reply) => sendProblem(req, reply, new Problem("QQ_ERR_NOT_FOUND", `no route ${req.method} ${req.url.split("?")[0]}`)));

  app.addHook("onRequest", async (req) => {
    if (!req.url.startsWith("/api/") || req.url.startsWith("/api/openapi.json")) return;
    req.principal = await authenticate(deps.store, req);
  });

  const declared: { method: string; url: string; access: Access }[] = [];
  app.decorate("qaqpaRoutes", declared);
  const route: RouteFn = (def, handler) => {
    if (!def.access) throw new Error(`route ${def.method} ${def.url} has no access rule`);
    declared.push({ method: def.method, url: def.url, access: def.access });
    app.route({
      method: def.method,
      url: def.url,
      ...(def.bodyLimit ? { bodyLimit: def.bodyLimit } : {}),
      schema: { ...def.schema, response: { ...(def.schema as { response?: object }).response, "4xx": { $ref: "Problem#" }, "5xx": { $ref: "Problem#" } } },
      // Before validation: an anonymous or unauthorised caller learns nothing about the body schema.
      preValidation: async (req) => {
        if (def.access === "public") return;
        const p = principalOrThrow(req);
        if (def.access !== "authenticated") requirePermission(p, def.access);
      },
      handler: handler as never,
    });
  };

  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
    const checks: Record<string, boolean> = {};
    try {
      await deps.store.db.selectFrom("audit_head").select("seq").executeTakeFirstOrThrow();
      checks.store = true;
    } catch {
      checks.store = false;
    }
    Object.assign(checks, deps.readiness ? await deps.readiness() : {});
    const ok = Object.values(checks).every(Boolean);
    return reply.code(ok ? 200 : 503).send({ status: ok ? "ready" : "not-ready", checks });
  });

  await register(app, route);

  app.get("/api/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}

export type RouteFn = <S extends FastifySchema>(def: RouteDef<S>, handler: (req: any, reply: any) => Promise<unknown>) => void;
