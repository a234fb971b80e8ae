/**
 * Golden tests of the pipeline: each row is (source, phase, destination) → verdict + reason, read as the
 * Rules: p.13 sources, p.15–16 access policy, p.15-2 exceptions, p.20 protected categories.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decideFlow, PIPELINE } from "../../src/gateway-core/pipeline.js";
import type { FlowFacts } from "../../src/gateway-core/flow.js";
import { PolicySnapshot, SnapshotError } from "../../src/gateway-core/snapshot.js";
import { PROTECTED_SEED } from "../../src/categories/seed/index.js";
import { PROTECTED_CATEGORIES } from "../../src/categories/taxonomy.js";
import { snapshot, NOW, MINISTRY, AKIMAT, categoriesDb } from "./world.js";

const snap = snapshot();
const tls = (sourceIp: string, host: string, extra: Partial<FlowFacts> = {}): FlowFacts => ({ phase: "tls", sourceIp, protocol: "tls", host, port: 443, tls: { ech: false, alpn: ["h2"], ja4: "t13d" }, ...extra });
const req = (sourceIp: string, host: string, path = "/"): FlowFacts => ({ phase: "request", sourceIp, protocol: "http", host, port: 80, path });
const tunnel = (sourceIp: string, host: string, protocol: FlowFacts["protocol"]): FlowFacts => ({ phase: "tls", sourceIp, protocol, host, port: 443 });

const MIN = "10.1.2.3";
const AKI = "10.2.2.3";
const UNKNOWN = "172.16.5.5";

const rows: [string, FlowFacts, "allow" | "block", string, ("splice" | "bump" | null)?][] = [
  ["ok/organisation allows its listed category (bump)", tls(MIN, "www.shop.example"), "allow", "organisation-allow", "bump"],
  ["ok/organisation allows a listed destination name", tls(MIN, "api.partner.example"), "allow", "organisation-allow", "bump"],
  ["ok/organisation allows a listed destination prefix", tls(MIN, "203.0.113.9"), "allow", "organisation-allow", "bump"],
  ["fail/organisation denies a listed category", tls(MIN, "news.example"), "block", "organisation-deny"],
  ["fail/category outside the policy is default-denied", tls(MIN, "games.example"), "block", "default-deny"],
  ["fail/uncategorised is blocked unless allowed", tls(MIN, "random-unknown.example"), "block", "uncategorised"],
  ["fail/baseline blocks VPN sites without an exception for the destination", tls(AKI, "nordvpn.example"), "block", "baseline-category"],
  ["ok/an approved exception opens the VPN site for its organisation", tls(MIN, "nordvpn.example"), "allow", "exception", "bump"],
  ["fail/baseline blocks malware by address", tls(MIN, "198.51.100.7"), "block", "baseline-category"],
  ["fail/baseline blocks DoH resolvers", tls(MIN, "dns.google"), "block", "baseline-category"],
  ["ok/no access policy: baseline allows search engines", tls(AKI, "search.example"), "allow", "organisation-allow", "bump"],
  ["fail/no access policy: shopping waits for the organisation's list", tls(AKI, "shop.example"), "block", "default-deny"],
  ["ok/p.13 unknown source served under the baseline policy", tls(UNKNOWN, "search.example"), "allow", "organisation-allow", "bump"],
  ["fail/p.13 blocked unknown source is refused", tls("192.0.2.66", "search.example"), "block", "unknown-source-blocked"],
  ["fail/disconnected organisation is refused", tls("10.3.0.1", "search.example"), "block", "organisation-disconnected"],
  ["fail/SSH through a tunnel is remote access", tunnel(AKI, "server.example", "ssh"), "block", "remote-access-protocol"],
  ["fail/an expired SSH exception opens nothing", tunnel(MIN, "server.example", "ssh"), "block", "remote-access-protocol"],
  ["ok/OpenVPN to the excepted destination", tunnel(MIN, "nordvpn.example", "openvpn"), "allow", "exception", null],
  ["fail/OpenVPN elsewhere", tunnel(MIN, "other.example", "openvpn"), "block", "vpn-protocol"],
  ["fail/RDP", tunnel(MIN, "x.example", "rdp"), "block", "remote-access-protocol"],
  ["fail/SOCKS", tunnel(MIN, "x.example", "socks5"), "block", "proxy-protocol"],
  ["fail/BitTorrent", tunnel(MIN, "x.example", "bittorrent"), "block", "p2p-protocol"],
  ["fail/unknown program", tunnel(MIN, "x.example", "unknown"), "block", "unknown-protocol"],
  ["fail/ECH hides a non-protected destination", tls(MIN, "www.shop.example", { tls: { ech: true, alpn: [], ja4: "x" } }), "block", "ech-not-inspectable"],
  ["ok/ECH towards a protected name is spliced", tls(MIN, "egov.kz", { tls: { ech: true, alpn: [], ja4: "x" } }), "allow", "protected-category", "splice"],
  ["ok/plain HTTP request: path entry decides", req(MIN, "mixed.example", "/forum/thread"), "allow", "organisation-allow", null],
  ["fail/plain HTTP request: host category denied", req(MIN, "mixed.example", "/news"), "block", "organisation-deny"],
  ["fail/invalid destination name", tls(MIN, "bad_name!"), "block", "invalid-destination"],
  ["ok/IPv6 source of the organisation", tls("2001:db8:1::9", "shop.example"), "allow", "organisation-allow", "bump"],
];

describe("pipeline golden table", () => {
  for (const [name, facts, action, reason, tlsAction] of rows) {
    test(name, () => {
      const d = decideFlow(facts, snap, NOW);
      assert.equal(d.verdict.action, action, JSON.stringify(d.trace));
      assert.equal(d.verdict.reason, reason, JSON.stringify(d.trace));
      if (tlsAction !== undefined && d.verdict.action === "allow") assert.equal(d.verdict.tls, tlsAction);
      assert.equal(d.snapshotId, snap.id);
      assert.ok(d.trace.length >= 1);
    });
  }

  test("ok/the pipeline is the documented list, protected-category before decide", () => {
    assert.deepEqual(PIPELINE.map((s) => s.name), ["source", "classify", "categorise", "protected-category", "decide"]);
  });

  test("ok/the trace names the stages and the list source of the category", () => {
    const d = decideFlow(tls(MIN, "www.shop.example"), snap, NOW);
    assert.deepEqual(d.trace.map((t) => t.stage), ["source", "classify", "categorise", "decide"]);
    assert.match(d.categorySources[0]!, /^test-list@1:shop\.example$/);
    assert.equal(d.organisationId, MINISTRY.id);
  });

  test("ok/an unknown source yields a detection effect", () => {
    const d = decideFlow(tls(UNKNOWN, "search.example"), snap, NOW);
    assert.equal(d.unknownSource, true);
    assert.deepEqual(d.effects, [{ kind: "record-unknown-source", address: UNKNOWN }]);
    assert.deepEqual(decideFlow(tls(MIN, "search.example"), snap, NOW).effects, []);
  });

  test("fail/no snapshot fails closed", () => {
    const d = decideFlow(tls(MIN, "www.shop.example"), null, NOW);
    assert.equal(d.verdict.action, "block");
    assert.equal(d.verdict.reason, "policy-unavailable");
  });

  test("fail/an access policy outside its year does not apply", () => {
    const after = Date.parse("2027-02-01T00:00:00Z");
    assert.equal(decideFlow(tls(MIN, "www.shop.example"), snap, after).verdict.reason, "default-deny");
  });

  test("fail/a policy limited to some source networks does not apply to the others", () => {
    const s = snapshot({ organisations: [{ ...MINISTRY, policy: { ...MINISTRY.policy!, sourceNetworks: ["10.1.5.0/24"] } }, AKIMAT] });
    assert.equal(decideFlow(tls("10.1.5.7", "shop.example"), s, NOW).verdict.action, "allow");
    assert.equal(decideFlow(tls("10.1.6.7", "shop.example"), s, NOW).verdict.reason, "default-deny");
  });

  test("fail/the baseline cannot be widened to a blocked category", () => {
    assert.throws(() => snapshot({ baselineAllow: ["vpn"] }), SnapshotError);
  });

  test("ok/snapshot serialises and deserialises to the same decisions", () => {
    const copy = PolicySnapshot.deserialise(snap.serialise());
    assert.equal(copy.id, snap.id);
    for (const [, facts] of rows) assert.deepEqual(decideFlow(facts, copy, NOW).verdict, decideFlow(facts, snap, NOW).verdict);
    assert.throws(() => PolicySnapshot.deserialise(Buffer.from("nope")), SnapshotError);
  });
});

describe("p.20 floor: the seven categories are never bumped, whatever the policy says", () => {
  // An organisation that denies every protected category, one that allows them, one without a policy, and an
  // unknown source: all four must splice every protected seed destination.
  const hostile = {
    ...MINISTRY,
    policy: { ...MINISTRY.policy!, denyCategories: [...PROTECTED_CATEGORIES], allowCategories: [] },
    exceptions: [],
  };
  const s = snapshot({ organisations: [hostile, AKIMAT] });
  const sample = new Map<string, string>();
  for (const e of PROTECTED_SEED) if (!sample.has(e.category) && !e.pattern.includes("/")) sample.set(e.category, e.pattern);

  test("ok/every protected category has a seed destination", () => {
    assert.deepEqual([...sample.keys()].sort(), [...PROTECTED_CATEGORIES].sort());
  });

  for (const [category, pattern] of sample) {
    test(`ok/${category}: ${pattern} and a subdomain are spliced for every kind of source`, () => {
      const host = /^[0-9.:]+(\/\d+)?$/.test(pattern) ? pattern.replace(/\/\d+$/, "") : pattern;
      for (const src of [MIN, AKI, UNKNOWN]) {
        for (const h of host.includes(":") || /^\d/.test(host) ? [host] : [host, `deep.sub.${host}`]) {
          const d = decideFlow(tls(src, h), s, NOW);
          assert.equal(d.verdict.action, "allow", `${src} ${h} ${JSON.stringify(d.trace)}`);
          assert.equal(d.verdict.action === "allow" && d.verdict.tls, "splice");
          assert.equal(d.protected, true);
        }
      }
    });
  }

  test("fail/a lookalike of a protected name is not exempt", () => {
    const d = decideFlow(tls(AKI, "evilegov.kz"), s, NOW);
    assert.equal(d.protected, false);
    assert.notEqual(d.verdict.action === "allow" && d.verdict.tls, "splice");
    void categoriesDb;
  });
});
