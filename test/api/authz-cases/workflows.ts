/**
 * Authorisation cases of the workflow routes (applications, incidents, policies, unknown sources, EDS trust
 * anchors). Applications of an organisation are not in a telecom operator's scope, so operator staff get 404
 * on them: those cases are marked `absent`.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { World } from "../harness.js";
import type { Case } from "./types.js";
import { createSealer } from "../../../src/secrets/sealer.js";
import { configureWorkflows } from "../../../src/workflows/runtime.js";
import { recordDetections } from "../../../src/services/unknown-sources.js";
import { addCalendarDays, civilDateOf } from "../../../src/domain/working-days/index.js";
import { makeEdsFixture, type EdsFixture } from "../../workflows/support/eds.js";

configureWorkflows({ sealer: createSealer(randomBytes(32)) });

let n = 0;
let eds: EdsFixture | undefined;
const anchored = new WeakSet<World>();

async function binOf(w: World, orgId: string) {
  return (await w.store.db.selectFrom("organisation").select("bin").where("id", "=", orgId).executeTakeFirstOrThrow()).bin;
}

/** A signed body for an organisation's application, with the test root configured as a trust anchor. */
async function signed(w: World, org: "A" | "B", document: Record<string, unknown>) {
  eds ??= makeEdsFixture();
  if (!anchored.has(w)) {
    const r = await w.call(w.tokens.sts_admin, "POST", "/api/eds/trust-anchors", { name: "test NCA root", kind: "root", pem: eds.rootPem });
    assert.ok(r.status === 201 || r.status === 409, r.body);
    anchored.add(w);
  }
  const orgId = org === "A" ? w.ids.orgA : w.ids.orgB;
  return { document, organisationId: orgId, signature: eds.signDocument(document, eds.signer(await binOf(w, orgId))) };
}

const contact = { fullName: "Aigerim Test", email: "it@ministry.example", mobilePhone: "+7 700 000 0000" };
const product = (name: string) => ({ name, version: "1.0" });
const today = () => civilDateOf(new Date());

export const documents = {
  channel: () => ({ bandwidthGbps: 10, plannedPeriod: { from: today() }, objectName: "Data centre", objectAddress: "Astana", mainChannel: { description: "fibre A" }, reserveChannel: { description: "fibre B" }, independentPaths: true, contacts: [contact] }),
  accessPolicy: (org: "A" | "B") => ({ categories: ["news", "education"], networks: [org === "A" ? "10.1.2.0/24" : "10.2.2.0/24"] }),
  exception: (org: "A" | "B") => ({ services: [{ name: "AnyDesk", kind: "remote-access" }], destinations: ["anydesk.com"], networks: [org === "A" ? "10.1.3.0/24" : "10.2.3.0/24"], justification: "vendor support of the registry", requestedUntil: addCalendarDays(today(), 30) }),
  waf: () => ({ domain: `site${n++}.gov.example`, ipAddresses: ["192.0.2.10"], operatorName: "Operator A", webServer: product("nginx"), dbms: product("PostgreSQL"), https: true, certificatePem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", privateKeyPem: "-----BEGIN PRIVATE KEY-----\nSECRET\n-----END PRIVATE KEY-----\n", contacts: [contact] }),
  defacement: () => ({ ...documents.waf(), webRootAccess: { protocol: "sftp", host: "192.0.2.10", port: 22, rootPath: "/var/www", login: "deploy" }, credentials: { password: "hunter2-secret" } }),
  change: () => ({ change: "termination", domain: `old${n++}.gov.example`, changedOn: today() }),
  mail: () => ({ domain: `mail${n++}.gov.example`, owner: "Ministry", serverAddresses: ["192.0.2.25"], contacts: [contact] }),
  recategorisation: () => ({ host: "news.example.org", requested: "unblock", reason: "an ordinary news site" }),
  incident: () => ({ title: "Phishing wave", description: "Mails with a fake login page", severity: "high" }),
};

const post = (url: string, body: unknown) => ({ method: "POST", url, body });

/** An application of organisation A or B created by the administrator. */
async function appOf(w: World, org: "A" | "B", kind = "resource-change", document: Record<string, unknown> = documents.change()) {
  const r = await w.call(w.tokens.sts_admin, "POST", `/api/applications/${kind}`, { document, organisationId: org === "A" ? w.ids.orgA : w.ids.orgB });
  assert.equal(r.status, 201, r.body);
  return r.json as { id: string; tasks: { id: string; state: string }[] };
}

/** A connected mail system: both its applicant and STS may ask to disconnect it (UGEM p.11). */
async function connectedMail(w: World, org: "A" | "B") {
  const a = await appOf(w, org, "mail-gateway-connection", documents.mail());
  const c = await w.call(w.tokens.sts_admin, "POST", `/api/applications/${a.id}/events`, { type: "connected" });
  assert.equal(c.status, 200, c.body);
  return a.id;
}

const cached = new WeakMap<World, Record<string, string>>();
async function shared(w: World, key: string, make: () => Promise<string>) {
  const m = cached.get(w) ?? {};
  cached.set(w, m);
  return (m[key] ??= await make());
}

export const CASES: Record<string, Case> = {
  "GET /api/applications": { own: () => ({ method: "GET", url: "/api/applications" }) },
  "POST /api/applications/channel-connection": {
    own: (w) => post("/api/applications/channel-connection", { document: documents.channel(), operatorId: w.ids.opA }),
    other: (w) => post("/api/applications/channel-connection", { document: documents.channel(), operatorId: w.ids.opB }),
  },
  "POST /api/applications/access-policy": {
    own: async (w) => post("/api/applications/access-policy", await signed(w, "A", documents.accessPolicy("A"))),
    other: async (w) => post("/api/applications/access-policy", await signed(w, "B", documents.accessPolicy("B"))),
  },
  "POST /api/applications/exception": {
    own: async (w) => post("/api/applications/exception", await signed(w, "A", documents.exception("A"))),
    other: async (w) => post("/api/applications/exception", await signed(w, "B", documents.exception("B"))),
  },
  "POST /api/applications/waf-connection": {
    own: (w) => post("/api/applications/waf-connection", { document: documents.waf(), organisationId: w.ids.orgA }),
    other: (w) => post("/api/applications/waf-connection", { document: documents.waf(), organisationId: w.ids.orgB }),
  },
  "POST /api/applications/defacement-protection": {
    own: (w) => post("/api/applications/defacement-protection", { document: documents.defacement(), organisationId: w.ids.orgA }),
    other: (w) => post("/api/applications/defacement-protection", { document: documents.defacement(), organisationId: w.ids.orgB }),
  },
  "POST /api/applications/resource-change": {
    own: (w) => post("/api/applications/resource-change", { document: documents.change(), organisationId: w.ids.orgA }),
    other: (w) => post("/api/applications/resource-change", { document: documents.change(), organisationId: w.ids.orgB }),
  },
  "POST /api/applications/mail-gateway-connection": {
    own: (w) => post("/api/applications/mail-gateway-connection", { document: documents.mail(), organisationId: w.ids.orgA }),
    other: (w) => post("/api/applications/mail-gateway-connection", { document: documents.mail(), organisationId: w.ids.orgB }),
  },
  "POST /api/applications/recategorisation": { own: () => post("/api/applications/recategorisation", { document: documents.recategorisation() }) },
  "POST /api/applications/canonical": { own: () => post("/api/applications/canonical", { kind: "access-policy", document: { b: 1, a: [2, 1] } }) },
  "GET /api/applications/stats": { own: () => ({ method: "GET", url: `/api/applications/stats?from=2026-01-01&to=${today()}` }) },
  "GET /api/applications/:id": {
    absent: true,
    own: async (w) => ({ method: "GET", url: `/api/applications/${await shared(w, "appA", async () => (await appOf(w, "A")).id)}` }),
    other: async (w) => ({ method: "GET", url: `/api/applications/${await shared(w, "appB", async () => (await appOf(w, "B")).id)}` }),
  },
  "GET /api/applications/:id/timeline": {
    absent: true,
    own: async (w) => ({ method: "GET", url: `/api/applications/${await shared(w, "appA", async () => (await appOf(w, "A")).id)}/timeline` }),
    other: async (w) => ({ method: "GET", url: `/api/applications/${await shared(w, "appB", async () => (await appOf(w, "B")).id)}/timeline` }),
  },
  "POST /api/applications/:id/events": {
    absent: true,
    own: async (w) => post(`/api/applications/${await connectedMail(w, "A")}/events`, { type: "disconnection-requested", data: { reason: "the organisation's status changed" } }),
    other: async (w) => post(`/api/applications/${await connectedMail(w, "B")}/events`, { type: "disconnection-requested", data: { reason: "the organisation's status changed" } }),
  },
  "GET /api/applications/:id/attachments": {
    absent: true,
    own: async (w) => ({ method: "GET", url: `/api/applications/${await shared(w, "appA", async () => (await appOf(w, "A")).id)}/attachments` }),
    other: async (w) => ({ method: "GET", url: `/api/applications/${await shared(w, "appB", async () => (await appOf(w, "B")).id)}/attachments` }),
  },
  "POST /api/applications/:id/attachments": {
    absent: true,
    own: async (w) => post(`/api/applications/${(await appOf(w, "A")).id}/attachments`, { name: "letter.txt", mediaType: "text/plain", contentBase64: Buffer.from("Official letter No. 1").toString("base64") }),
    other: async (w) => post(`/api/applications/${(await appOf(w, "B")).id}/attachments`, { name: "letter.txt", mediaType: "text/plain", contentBase64: Buffer.from("Official letter No. 2").toString("base64") }),
  },
  "GET /api/applications/:id/attachments/:attachmentId": {
    absent: true,
    own: async (w) => {
      const a = await appOf(w, "A");
      const up = await w.call(w.tokens.sts_admin, "POST", `/api/applications/${a.id}/attachments`, { name: "scheme.txt", mediaType: "text/plain", contentBase64: Buffer.from("scheme").toString("base64") });
      return { method: "GET", url: `/api/applications/${a.id}/attachments/${up.json.id}` };
    },
    other: async (w) => {
      const a = await appOf(w, "B");
      const up = await w.call(w.tokens.sts_admin, "POST", `/api/applications/${a.id}/attachments`, { name: "scheme.txt", mediaType: "text/plain", contentBase64: Buffer.from("scheme").toString("base64") });
      return { method: "GET", url: `/api/applications/${a.id}/attachments/${up.json.id}` };
    },
  },
  "GET /api/tasks": { own: () => ({ method: "GET", url: "/api/tasks?state=open" }) },
  "POST /api/tasks/:id/done": { own: async (w) => post(`/api/tasks/${(await appOf(w, "A")).tasks[0]!.id}/done`, undefined) },
  "GET /api/eds/trust-anchors": { own: () => ({ method: "GET", url: "/api/eds/trust-anchors" }) },
  "POST /api/eds/trust-anchors": { own: () => post("/api/eds/trust-anchors", { name: `root ${n++}`, kind: "root", pem: (eds ??= makeEdsFixture()).freshCaPem(`Root ${n}`) }) },
  "DELETE /api/eds/trust-anchors/:id": {
    own: async (w) => {
      const r = await w.call(w.tokens.sts_admin, "POST", "/api/eds/trust-anchors", { name: `root ${n++}`, kind: "root", pem: (eds ??= makeEdsFixture()).freshCaPem(`Root ${n}`) });
      assert.equal(r.status, 201, r.body);
      return { method: "DELETE", url: `/api/eds/trust-anchors/${r.json.id}` };
    },
  },
  "POST /api/incidents": {
    own: (w) => post("/api/incidents", { document: documents.incident(), organisationId: w.ids.orgA }),
    other: (w) => post("/api/incidents", { document: documents.incident(), organisationId: w.ids.orgB }),
  },
  "GET /api/incidents": { own: () => ({ method: "GET", url: "/api/incidents" }) },
  "GET /api/access-policies": { own: () => ({ method: "GET", url: "/api/access-policies" }) },
  "GET /api/policy-exceptions": { own: () => ({ method: "GET", url: "/api/policy-exceptions" }) },
  "GET /api/unknown-sources": { own: () => ({ method: "GET", url: "/api/unknown-sources" }) },
  "POST /api/unknown-sources/assign": {
    own: async (w) => {
      const address = `198.51.100.${n++ % 250}`;
      await w.store.db.deleteFrom("unknown_source").where("address", "=", address).execute();
      await recordDetections(w.store.db, [{ address, at: new Date(), hits: 3 }]);
      return post("/api/unknown-sources/assign", { address, operatorId: w.ids.opA });
    },
  },
};
