import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import fc from "fast-check";
import { AnomalyDetector } from "../../src/mail/policy/detector.js";
import { PolicyEngine } from "../../src/mail/policy/engine.js";
import { HOOKS, OPTIONAL_HOOKS, hookStates } from "../../src/mail/policy/hooks/index.js";
import { decodeRequest, type PolicyRequest } from "../../src/mail/policy/protocol.js";
import { compileMailSnapshot, MailConfigError } from "../../src/mail/policy/snapshot.js";
import { FAILSAFE_ACTION } from "../../src/mail/policy/verdict.js";
import { domainOf, normaliseDomain, normaliseIp } from "../../src/mail/policy/lib/address.js";
import type { MailSystem } from "../../src/mail/ports.js";

const RUNS = process.env["QAQPA_FUZZ"] === "deep" ? 20_000 : 300;
const T0 = Date.UTC(2026, 0, 12, 9, 0, 0);

const SYSTEMS: MailSystem[] = [
  { id: "sys-a", organisationId: "o1", name: "A", domains: ["a.gov.kz", "Мвд.Қаз"], serverAddresses: ["127.0.0.3", "2001:DB8::0:1"], inbound: { host: "10.0.0.1", port: 25 }, ownerEmail: "a@a.gov.kz", suspension: null },
  { id: "sys-b", organisationId: "o2", name: "B", domains: ["b.gov.kz"], serverAddresses: ["127.0.0.4"], inbound: { host: "10.0.0.2", port: 25 }, ownerEmail: "b@b.gov.kz", suspension: null },
];

function engine(limits = {}, hooks = HOOKS): PolicyEngine {
  const e = new PolicyEngine({ detector: new AnomalyDetector(limits), hooks });
  e.setSnapshot(compileMailSnapshot(SYSTEMS));
  return e;
}

function req(state: string, client: string, recipient: string, extra: Record<string, string> = {}): PolicyRequest {
  return { request: "smtpd_access_policy", protocol_state: state, client_address: client, sender: "x@y.kz", recipient, instance: "i1", ...extra };
}

test("ok/the hook list, in order, is the policy", () => {
  assert.deepEqual(
    HOOKS.map((h) => h.name),
    ["rcpt/suspended", "rcpt/outbound", "rcpt/inbound", "rcpt/relay", "end-of-message/suspended", "end-of-message/abnormal", "end-of-message/outbound"],
  );
  // Two policy round trips per message by default; DATA is opt-in (OPTIONAL_HOOKS).
  assert.deepEqual(hookStates(), ["RCPT", "END-OF-MESSAGE"]);
  assert.deepEqual(hookStates([...HOOKS, ...OPTIONAL_HOOKS]), ["RCPT", "END-OF-MESSAGE", "DATA"]);
  assert.equal(engine().decide(req("DATA", "127.0.0.3", "", { recipient_count: "1" }), T0).hook, "default");
});

// Table: [name, request, suspended systems, expected action prefix, deciding hook]
const table: [string, PolicyRequest, string[], string, string][] = [
  ["ok/connected system sends outbound", req("RCPT", "127.0.0.3", "someone@gmail.com"), [], "DUNNO", "rcpt/outbound"],
  ["ok/connected system sends to another connected domain", req("RCPT", "127.0.0.4", "clerk@a.gov.kz"), [], "DUNNO", "rcpt/outbound"],
  ["ok/inbound for a connected domain", req("RCPT", "198.51.100.7", "clerk@a.gov.kz"), [], "DUNNO", "rcpt/inbound"],
  ["ok/inbound: domain case and trailing dot do not matter", req("RCPT", "198.51.100.7", "clerk@A.GOV.KZ."), [], "DUNNO", "rcpt/inbound"],
  ["ok/inbound: an IDN domain in U-labels matches its A-label registration", req("RCPT", "198.51.100.7", "user@мвд.қаз"), [], "DUNNO", "rcpt/inbound"],
  ["ok/IPv6 client in another spelling is the registered server", req("RCPT", "2001:db8:0:0::1", "x@gmail.com"), [], "DUNNO", "rcpt/outbound"],
  ["fail/unknown client relaying to a foreign domain", req("RCPT", "198.51.100.7", "victim@gmail.com"), [], "554 5.7.1 Relaying denied", "rcpt/relay"],
  ["fail/unknown client: a subdomain of a connected domain is not connected", req("RCPT", "198.51.100.7", "x@sub.a.gov.kz"), [], "554 5.7.1", "rcpt/relay"],
  ["fail/unknown client: null recipient domain", req("RCPT", "198.51.100.7", "postmaster"), [], "554 5.7.1", "rcpt/relay"],
  ["fail/unknown client: an address literal is not a connected domain", req("RCPT", "198.51.100.7", "x@[127.0.0.3]"), [], "554 5.7.1", "rcpt/relay"],
  ["fail/no client address at all is not a connected system", req("RCPT", "", "victim@gmail.com"), [], "554 5.7.1", "rcpt/relay"],
  ["fail/suspended system at RCPT gets 450", req("RCPT", "127.0.0.3", "x@gmail.com"), ["sys-a"], "450 4.7.1 Mail system suspended", "rcpt/suspended"],
  ["fail/suspended system to a connected domain is also deferred", req("RCPT", "127.0.0.3", "x@b.gov.kz"), ["sys-a"], "450 4.7.1", "rcpt/suspended"],
  ["fail/suspended system at DATA gets 451", req("DATA", "127.0.0.3", "", { recipient_count: "2" }), ["sys-a"], "451 4.7.1", "data/suspended"],
  ["fail/suspended system at END-OF-MESSAGE gets 451", req("END-OF-MESSAGE", "127.0.0.3", "", { recipient_count: "2" }), ["sys-a"], "451 4.7.1", "end-of-message/suspended"],
  ["ok/another system's suspension does not touch this one", req("RCPT", "127.0.0.4", "x@gmail.com"), ["sys-a"], "DUNNO", "rcpt/outbound"],
  ["ok/inbound to a suspended system's domain still flows", req("RCPT", "198.51.100.7", "clerk@a.gov.kz"), ["sys-a"], "DUNNO", "rcpt/inbound"],
  ["ok/inbound DATA", req("DATA", "198.51.100.7", "clerk@a.gov.kz", { recipient_count: "1" }), [], "DUNNO", "default"],
  ["ok/inbound END-OF-MESSAGE", req("END-OF-MESSAGE", "198.51.100.7", "clerk@a.gov.kz", { recipient_count: "1" }), [], "DUNNO", "default"],
  ["ok/outbound END-OF-MESSAGE", req("END-OF-MESSAGE", "127.0.0.3", "x@gmail.com", { recipient_count: "1", size: "1000", queue_id: "3AEB920D24A" }), [], "DUNNO", "end-of-message/outbound"],
  ["ok/a state without hooks answers DUNNO", req("CONNECT", "198.51.100.7", ""), [], "DUNNO", "default"],
  ["fail/another request type gets the fail-safe tempfail", { request: "other", protocol_state: "RCPT" }, [], FAILSAFE_ACTION, "invalid-request"],
  ["fail/unknown protocol_state gets the fail-safe tempfail", req("BDAT", "127.0.0.3", "x@gmail.com"), [], FAILSAFE_ACTION, "invalid-request"],
];

for (const [name, r, suspended, prefix, hook] of table) {
  test(name, () => {
    const e = engine({}, [...HOOKS, ...OPTIONAL_HOOKS]);
    for (const s of suspended) e.setSuspended(s, true);
    const d = e.decide(r, T0);
    assert.ok(d.action.startsWith(prefix), `${d.action} should start with ${prefix}`);
    assert.equal(d.hook, hook);
    assert.notEqual(d.action, "OK", "the policy never answers OK: it cannot bypass Postfix's own checks");
  });
}

test("ok/real Postfix requests from the corpus are decided as their direction says", async () => {
  const e = engine();
  const dir = new URL("../../fixtures/smtp/policy-corpus/", import.meta.url).pathname;
  const rcptIn = decodeRequest(await readFile(dir + "postfix-3.7-rcpt-inbound.txt"));
  const rcptOut = decodeRequest(await readFile(dir + "postfix-3.7-rcpt-outbound-first.txt"));
  assert.equal(e.decide(rcptIn, T0).hook, "rcpt/inbound");
  assert.equal(e.decide(rcptOut, T0).hook, "rcpt/outbound");
  const eom = e.decide(decodeRequest(await readFile(dir + "postfix-3.7-eom-outbound-single.txt")), T0);
  assert.deepEqual(eom.commands, [{ type: "TrackQueueId", systemId: "sys-a", queueId: "D648F20E753" }]);
});

test("ok/an accepted outbound message is counted once, with its distinct recipients, and its queue id tracked", () => {
  const e = engine();
  for (const rcpt of ["a@x.kz", "b@x.kz", "A@x.kz"]) e.decide(req("RCPT", "127.0.0.3", rcpt), T0);
  e.decide(req("DATA", "127.0.0.3", "", { recipient_count: "3" }), T0);
  const d = e.decide(req("END-OF-MESSAGE", "127.0.0.3", "", { recipient_count: "3", size: "2048", queue_id: "ABCDEF1234" }), T0);
  assert.deepEqual(d.commands, [{ type: "TrackQueueId", systemId: "sys-a", queueId: "ABCDEF1234" }]);
  const st = e.detector.stats("sys-a", T0);
  assert.equal(st.messagesLastMinute, 1);
  assert.equal(st.recipientsLastMinute, 2, "a@x.kz and A@x.kz are one recipient");
  assert.equal(st.bytesLastHour, 2048);
  assert.equal(e.detector.stats("sys-b", T0).messagesLastMinute, 0);
});

test("ok/inbound mail is not counted against any system", () => {
  const e = engine();
  e.decide(req("END-OF-MESSAGE", "198.51.100.7", "clerk@a.gov.kz", { recipient_count: "1", size: "10" }), T0);
  assert.equal(e.detector.stats("sys-a", T0).messagesLastMinute, 0);
});

test("fail/the message that crosses a limit is deferred and suspends the system at once", () => {
  const e = engine({ messagesPerMinute: 3 });
  const eom = (i: number) => e.decide(req("END-OF-MESSAGE", "127.0.0.3", "x@gmail.com", { recipient_count: "1", queue_id: `ABCDEF000${i}`, instance: `i${i}` }), T0 + i);
  for (let i = 0; i < 3; i++) assert.equal(eom(i).action, "DUNNO");
  const crossing = eom(3);
  assert.match(crossing.action, /^451 4\.7\.1 Abnormal/);
  assert.equal(crossing.hook, "end-of-message/abnormal");
  assert.deepEqual(crossing.commands, [{ type: "SuspendSystem", systemId: "sys-a", reasons: [{ code: "messages-per-minute", observed: 4, limit: 3 }] }]);
  // Synchronously suspended: the next request, whatever its connection, is deferred.
  assert.equal(e.isSuspended("sys-a"), true);
  assert.match(e.decide(req("RCPT", "127.0.0.3", "y@gmail.com"), T0 + 5).action, /^450 4\.7\.1/);
  // A deferred message is not counted again.
  e.decide(req("END-OF-MESSAGE", "127.0.0.3", "x@gmail.com", { recipient_count: "1" }), T0 + 6);
  assert.equal(e.detector.stats("sys-a", T0 + 6).messagesLastMinute, 4);
});

test("ok/transactions are bounded: abandoned sessions are forgotten oldest first", () => {
  const e = new PolicyEngine({ maxTransactions: 2, maxRecipientsPerTransaction: 2 });
  e.setSnapshot(compileMailSnapshot(SYSTEMS));
  for (const inst of ["t1", "t2", "t3"]) for (const r of ["a@x", "b@x", "c@x"]) e.decide(req("RCPT", "127.0.0.3", r, { instance: inst }), T0);
  e.decide(req("END-OF-MESSAGE", "127.0.0.3", "", { instance: "t3", recipient_count: "3" }), T0);
  // t3 remembered 2 of 3 recipients by address; the third is counted as distinct anyway.
  assert.equal(e.detector.stats("sys-a", T0).recipientsLastMinute, 3);
});

test("ok/decisions are counted per hook and action", () => {
  const e = engine();
  e.decide(req("RCPT", "198.51.100.7", "v@gmail.com"), T0);
  e.decide(req("RCPT", "198.51.100.7", "v@gmail.com"), T0);
  assert.equal(e.outcomes().get("rcpt/relay REJECT"), 2);
});

test("fail/a snapshot in which an address or a domain belongs to two systems is refused", () => {
  const clash = [...SYSTEMS, { ...SYSTEMS[1]!, id: "sys-c", serverAddresses: ["127.0.0.3"], domains: ["A.gov.kz."] }];
  assert.throws(
    () => compileMailSnapshot(clash),
    (e: unknown) => e instanceof MailConfigError && e.problems.length === 2 && e.problems.some((p) => p.includes("127.0.0.3")) && e.problems.some((p) => p.includes("a.gov.kz")),
  );
  assert.throws(() => compileMailSnapshot([{ ...SYSTEMS[0]!, serverAddresses: ["127.0.0"] }]), MailConfigError);
  assert.throws(() => compileMailSnapshot([{ ...SYSTEMS[0]!, domains: ["bad domain"] }]), MailConfigError);
  assert.throws(() => compileMailSnapshot([SYSTEMS[0]!, SYSTEMS[0]!]), MailConfigError);
});

test("ok/equal configurations compile to the same snapshot id", () => {
  assert.equal(compileMailSnapshot(SYSTEMS).id, compileMailSnapshot([...SYSTEMS].reverse()).id);
  assert.notEqual(compileMailSnapshot(SYSTEMS).id, compileMailSnapshot(SYSTEMS.slice(1)).id);
});

test("ok/address normalisation", () => {
  assert.equal(normaliseIp("::ffff:127.0.0.3"), "127.0.0.3");
  assert.equal(normaliseIp("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  assert.equal(normaliseIp("127.0.0"), undefined);
  assert.equal(normaliseIp("fe80::1%eth0"), undefined);
  assert.equal(normaliseDomain("Мвд.Қаз"), "xn--b1aew.xn--80ao21a");
  assert.equal(normaliseDomain("-bad.kz"), undefined);
  assert.equal(normaliseDomain("a..kz"), undefined);
  assert.equal(domainOf('"odd@local"@A.gov.kz'), "a.gov.kz");
  assert.equal(domainOf(""), "");
  assert.equal(domainOf("user@"), "");
});

// ── properties ──────────────────────────────────────────────────────────────────────────────────────

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
const domain = fc.oneof(fc.constantFrom("a.gov.kz", "b.gov.kz", "gmail.com", "sub.a.gov.kz", "A.GOV.KZ"), fc.domain());
const state = fc.constantFrom("CONNECT", "EHLO", "HELO", "MAIL", "RCPT", "DATA", "END-OF-MESSAGE", "VRFY", "ETRN", "BOGUS");

test("property/no request, whatever it holds, is answered OK or makes the engine throw", () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }), { maxKeys: 12 }), state, (junk, st) => {
      const e = engine({ messagesPerMinute: 2 });
      const d = e.decide({ ...junk, request: "smtpd_access_policy", protocol_state: st }, T0);
      assert.notEqual(d.action, "OK");
    }),
    { numRuns: RUNS },
  );
});

test("property/no open relay: an unknown client to a non-connected domain is always refused at RCPT", () => {
  fc.assert(
    fc.property(ipv4, fc.string({ minLength: 1, maxLength: 10 }).filter((s) => !s.includes("@")), domain, (ip, local, dom) => {
      const e = engine();
      const d = e.decide(req("RCPT", ip, `${local}@${dom}`), T0);
      const connectedClient = ip === "127.0.0.3" || ip === "127.0.0.4";
      const connectedDomain = ["a.gov.kz", "b.gov.kz"].includes(normaliseDomain(dom) ?? "");
      if (!connectedClient && !connectedDomain) assert.match(d.action, /^554 5\.7\.1 /);
      else assert.equal(d.action, "DUNNO");
    }),
    { numRuns: RUNS },
  );
});
