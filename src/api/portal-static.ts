/**
 * The portal (portal/dist, built by scripts/build-portal.mjs) served by the control plane at `/`.
 *
 *   - /assets/* carry content hashes in their names: cached for a year, immutable.
 *   - index.html (and any unknown non-API path, so deep links and reloads of the single-page application
 *     work) is revalidated on every load, so a new build is picked up at once.
 *   - /api/*, /healthz, /readyz are untouched: an unknown /api/ path stays a problem+json 404.
 *   - A strict Content-Security-Policy: the build has no inline script or style, and the portal talks only
 *     to its own origin.
 *
 * Nothing is registered when portal/dist does not exist (an API-only deployment, or tests of the API).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { App } from "./server.js";

/** Same relative place from src/api (tsx) and dist/api (built). */
export const PORTAL_DIST = join(import.meta.dirname, "..", "..", "portal", "dist");

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

function securityHeaders(reply: FastifyReply): void {
  reply.header("content-security-policy", CSP);
  reply.header("x-content-type-options", "nosniff");
  reply.header("referrer-policy", "no-referrer");
  reply.header("x-frame-options", "DENY");
}

export async function registerPortal(app: App, dir = PORTAL_DIST): Promise<boolean> {
  if (!existsSync(join(dir, "index.html"))) return false;
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: dir,
      prefix: "/",
      // Files are listed once at start (a new build needs a restart); the SPA fallback below owns `/*`.
      wildcard: false,
      index: false,
      redirect: false,
      setHeaders(reply, path) {
        reply.header("cache-control", path.startsWith(join(dir, "assets")) ? "public, max-age=31536000, immutable" : "no-cache");
      },
    });
    scope.addHook("onSend", async (_req, reply) => {
      securityHeaders(reply);
    });
    const index = async (req: FastifyRequest, reply: FastifyReply) => {
      const path = req.url.split("?")[0]!;
      // Unknown API paths (and files that look like assets) keep their 404; everything else is the SPA.
      if (path === "/api" || path.startsWith("/api/") || path.startsWith("/assets/")) return reply.callNotFound();
      reply.header("cache-control", "no-cache");
      return reply.sendFile("index.html", dir);
    };
    scope.get("/", { schema: { hide: true } }, index);
    scope.get("/*", { schema: { hide: true } }, index);
  });
  return true;
}
