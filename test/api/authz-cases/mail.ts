/**
 * Authorisation cases of the mail gateway routes (/api/mail). Organisation staff read their own mail systems
 * and get 404 on another organisation's; telecom operators have no mail permission; STS writes. The actions
 * go to a policy service over the world's store (Postfix's queue replaced by MemoryQueue), registered as the
 * running mail gateway; each release / delete-held case suspends the system first.
 */
import { randomBytes } from "node:crypto";
import type { World } from "../harness.js";
import type { Case } from "./types.js";
import { createSealer } from "../../../src/secrets/sealer.js";
import { configureMailControl } from "../../../src/services/mail-systems.js";
import { connectTestSystem, storePolicyService } from "../../mail/support/store-fixture.js";

const sealer = createSealer(randomBytes(32));
const worlds = new WeakMap<World, Promise<{ a: string; b: string; service: ReturnType<typeof storePolicyService>["service"] }>>();

function systems(w: World) {
  let p = worlds.get(w);
  if (!p) {
    p = (async () => {
      const a = await connectTestSystem(w.store, sealer, { organisationId: w.ids.orgA, domain: "authz-a.gov.example", addresses: ["192.0.2.71"] });
      const b = await connectTestSystem(w.store, sealer, { organisationId: w.ids.orgB, domain: "authz-b.gov.example", addresses: ["192.0.2.72"] });
      const { service } = storePolicyService(w.store, sealer);
      await service.reload();
      configureMailControl(w.store, service);
      return { a: a.mailSystemId, b: b.mailSystemId, service };
    })();
    worlds.set(w, p);
  }
  return p;
}

async function suspended(w: World, which: "a" | "b"): Promise<string> {
  const s = await systems(w);
  await s.service.reload();
  await s.service.suspend(s[which], { by: "detector" });
  return s[which];
}

const read = (suffix: string): Case => ({
  own: async (w) => ({ method: "GET", url: `/api/mail/systems/${(await systems(w)).a}${suffix}` }),
  other: async (w) => ({ method: "GET", url: `/api/mail/systems/${(await systems(w)).b}${suffix}` }),
});

export const CASES: Record<string, Case> = {
  "GET /api/mail/systems": { own: async (w) => (await systems(w), { method: "GET", url: "/api/mail/systems" }) },
  "GET /api/mail/systems/:id": read(""),
  "GET /api/mail/systems/:id/dkim": read("/dkim"),
  "GET /api/mail/systems/:id/stats": read("/stats"),
  "GET /api/mail/systems/:id/auth-results": read("/auth-results?dmarc=fail"),
  "GET /api/mail/suspensions": { own: async (w) => (await systems(w), { method: "GET", url: "/api/mail/suspensions?open=true" }) },
  "POST /api/mail/systems/:id/suspend": {
    own: async (w) => ({ method: "POST", url: `/api/mail/systems/${(await systems(w)).a}/suspend`, body: { note: "review" } }),
    other: async (w) => ({ method: "POST", url: `/api/mail/systems/${(await systems(w)).b}/suspend`, body: {} }),
  },
  "POST /api/mail/systems/:id/release": {
    own: async (w) => ({ method: "POST", url: `/api/mail/systems/${await suspended(w, "a")}/release` }),
    other: async (w) => ({ method: "POST", url: `/api/mail/systems/${await suspended(w, "b")}/release` }),
  },
  "POST /api/mail/systems/:id/delete-held": {
    own: async (w) => ({ method: "POST", url: `/api/mail/systems/${await suspended(w, "a")}/delete-held` }),
    other: async (w) => ({ method: "POST", url: `/api/mail/systems/${await suspended(w, "b")}/delete-held` }),
  },
};
