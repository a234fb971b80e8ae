/**
 * Authorisation cases of the gateway CA routes (/api/ca). Reads and downloads are for every role (operators
 * pass the root on, organisations install it); the lifecycle actions are the STS administrator's. The CA is
 * not scoped per operator, so no case has an `other`. Each case prepares the state it needs as the
 * administrator: a fresh pair to publish, a published root to download, an active one to rotate.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { World } from "../harness.js";
import type { Case } from "./types.js";
import { createSealer } from "../../../src/secrets/sealer.js";
import { caRuntime, configureCa } from "../../../src/services/ca.js";

const sealer = createSealer(randomBytes(32));

async function asAdmin(w: World, method: string, url: string, body?: unknown) {
  if (!caRuntime(w.store).sealer) configureCa(w.store, { sealer });
  const r = await w.call(w.tokens.sts_admin, method, url, body);
  assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${r.body}`);
  return r.json;
}

/** Revokes every live root (and so its intermediates and planned rotation steps). */
async function revokeAll(w: World) {
  const { items } = await asAdmin(w, "GET", "/api/ca/certificates");
  for (const c of items as { id: string; kind: string; state: string }[]) {
    if (c.kind === "root" && c.state !== "revoked") await asAdmin(w, "POST", `/api/ca/certificates/${c.id}/revoke`, { reason: "unspecified" });
  }
}

async function freshPair(w: World): Promise<{ root: { id: string }; intermediate: { id: string } }> {
  await revokeAll(w);
  return asAdmin(w, "POST", "/api/ca/init", {});
}

async function publishedRoot(w: World): Promise<string> {
  const { items } = await asAdmin(w, "GET", "/api/ca/certificates");
  const live = (items as { id: string; kind: string; state: string }[]).find((c) => c.kind === "root" && (c.state === "published" || c.state === "active"));
  if (live) return live.id;
  const p = await freshPair(w);
  await asAdmin(w, "POST", `/api/ca/certificates/${p.root.id}/publish`);
  return p.root.id;
}

async function activeRoot(w: World): Promise<string> {
  const p = await freshPair(w);
  await asAdmin(w, "POST", `/api/ca/certificates/${p.root.id}/publish`);
  await asAdmin(w, "POST", `/api/ca/certificates/${p.root.id}/activate`, {});
  return p.root.id;
}

export const CASES: Record<string, Case> = {
  "GET /api/ca/certificates": { own: () => ({ method: "GET", url: "/api/ca/certificates" }) },
  "GET /api/ca/certificates/:id": { own: async (w) => ({ method: "GET", url: `/api/ca/certificates/${await publishedRoot(w)}` }) },
  "POST /api/ca/init": {
    own: async (w) => {
      await revokeAll(w);
      return { method: "POST", url: "/api/ca/init", body: {} };
    },
  },
  "POST /api/ca/certificates/:id/publish": { own: async (w) => ({ method: "POST", url: `/api/ca/certificates/${(await freshPair(w)).root.id}/publish` }) },
  "POST /api/ca/certificates/:id/activate": {
    own: async (w) => {
      const p = await freshPair(w);
      await asAdmin(w, "POST", `/api/ca/certificates/${p.root.id}/publish`);
      return { method: "POST", url: `/api/ca/certificates/${p.root.id}/activate`, body: {} };
    },
  },
  "POST /api/ca/certificates/:id/revoke": { own: async (w) => ({ method: "POST", url: `/api/ca/certificates/${await publishedRoot(w)}/revoke`, body: { reason: "unspecified" } }) },
  "POST /api/ca/rotate": {
    own: async (w) => {
      await activeRoot(w);
      return { method: "POST", url: "/api/ca/rotate", body: { scope: "intermediate" } };
    },
  },
  "GET /api/ca/root": {
    own: async (w) => {
      await publishedRoot(w);
      return { method: "GET", url: "/api/ca/root" };
    },
  },
  "GET /api/ca/root.pem": {
    own: async (w) => {
      await publishedRoot(w);
      return { method: "GET", url: "/api/ca/root.pem" };
    },
  },
  "GET /api/ca/root.der": {
    own: async (w) => {
      await publishedRoot(w);
      return { method: "GET", url: "/api/ca/root.der" };
    },
  },
  "GET /api/ca/root/files/:filename": {
    own: async (w) => {
      const id = await publishedRoot(w);
      const root = await asAdmin(w, "GET", `/api/ca/root?id=${id}`);
      return { method: "GET", url: (root.files as { filename: string; url: string }[]).find((f) => f.filename.endsWith(".mobileconfig"))!.url };
    },
  },
};
