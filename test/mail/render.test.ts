import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderPostfix, RenderError, policyRestriction, type RenderOptions } from "../../src/mail/postfix/render.js";
import { findExecutable, runCommand } from "../../src/mail/postfix/exec.js";
import type { MailSystem } from "../../src/mail/ports.js";

const SYSTEMS: MailSystem[] = [
  { id: "sys-b", organisationId: "o2", name: "B", domains: ["b.gov.kz"], serverAddresses: ["192.0.2.20"], inbound: { host: "192.0.2.21", port: 25 }, ownerEmail: "b@b.gov.kz", suspension: null },
  { id: "sys-a", organisationId: "o1", name: "A", domains: ["A.gov.kz", "мвд.қаз"], serverAddresses: ["192.0.2.10", "2001:DB8::10"], inbound: { host: "mx.a.gov.kz", port: 2525 }, ownerEmail: "a@a.gov.kz", suspension: null },
];

const OPTS: RenderOptions = {
  myhostname: "ugem.sts.kz",
  configDirectory: "/var/lib/qaqpa/mail/etc",
  queueDirectory: "/var/lib/qaqpa/mail/queue",
  dataDirectory: "/var/lib/qaqpa/mail/data",
  listen: [{ host: "127.0.0.1", port: 2525 }],
  policy: { host: "127.0.0.1", port: 10040 },
  maillogFile: "/var/lib/qaqpa/mail/log/maillog",
  postmasterAddress: "duty@sts.kz",
};

function param(mainCf: string, name: string): string | undefined {
  const m = new RegExp(`^${name} =(?: (.*))?$`, "m").exec(mainCf);
  return m ? (m[1] ?? "") : undefined;
}

test("ok/main.cf: relay control in two lines, tempfail default, exact domains, no local delivery", () => {
  const r = renderPostfix(SYSTEMS, OPTS);
  const p = (n: string) => param(r.mainCf, n);
  assert.equal(p("smtpd_relay_restrictions"), "permit_mynetworks, reject_unauth_destination");
  assert.equal(p("mynetworks"), "cidr:/var/lib/qaqpa/mail/etc/mail_systems.cidr");
  assert.equal(p("relay_domains"), "hash:/var/lib/qaqpa/mail/etc/relay_domains");
  assert.equal(p("transport_maps"), "hash:/var/lib/qaqpa/mail/etc/transport");
  const policy = "check_policy_service { inet:127.0.0.1:10040, timeout=10s, { default_action = DEFER_IF_PERMIT Service temporarily unavailable } }";
  assert.equal(p("smtpd_recipient_restrictions"), policy);
  assert.equal(p("smtpd_data_restrictions"), undefined, "DATA is not consulted by default (hooks/index.ts)");
  assert.equal(p("smtpd_end_of_data_restrictions"), policy);
  assert.equal(p("smtpd_policy_service_default_action"), "DEFER_IF_PERMIT Service temporarily unavailable");
  assert.doesNotMatch(p("parent_domain_matches_subdomains")!, /relay_domains/);
  assert.equal(p("mydestination"), "");
  assert.match(p("local_transport")!, /^error:/);
  assert.equal(p("inet_interfaces"), "127.0.0.1");
  assert.equal(p("smtp_tls_security_level"), "may");
  assert.equal(p("smtpd_tls_security_level"), "none", "no certificate, no STARTTLS offered");
  assert.equal(p("smtpd_client_event_limit_exceptions"), "", "connected systems are not exempt from anvil limits");
  assert.equal(p("smtpd_client_message_rate_limit"), "1200");
  assert.equal(p("maillog_file"), "/var/lib/qaqpa/mail/log/maillog");
  assert.equal(p("maillog_file_prefixes"), "/var/lib/qaqpa/mail/log");
  assert.equal(p("error_notice_recipient"), "duty@sts.kz");
  assert.equal(p("queue_directory"), "/var/lib/qaqpa/mail/queue");
  assert.equal(p("relayhost"), undefined, "MX delivery to the Internet unless a relay is configured");
  assert.equal(r.parameters.get("myhostname"), "ugem.sts.kz");
});

test("ok/maps: sorted, A-labels, bracketed next hops, IPv4 and IPv6 client blocks", () => {
  const r = renderPostfix(SYSTEMS, OPTS);
  const body = (s: string) => s.split("\n").filter((l) => l && !l.startsWith("#"));
  assert.deepEqual(body(r.maps["relay_domains"]!), ["a.gov.kz\tOK", "xn--b1aew.xn--80ao21a\tOK", "b.gov.kz\tOK"]);
  assert.deepEqual(body(r.maps["transport"]!), ["a.gov.kz\tsmtp:[mx.a.gov.kz]:2525", "xn--b1aew.xn--80ao21a\tsmtp:[mx.a.gov.kz]:2525", "b.gov.kz\tsmtp:[192.0.2.21]:25"]);
  assert.deepEqual(body(r.maps["mail_systems.cidr"]!), ["192.0.2.10/32\tOK", "2001:db8::10/128\tOK", "192.0.2.20/32\tOK"]);
  assert.deepEqual(r.hashMaps, ["relay_domains", "transport"]);
});

test("ok/master.cf: the listeners, no chroot, postlogd for maillog_file", () => {
  const r = renderPostfix(SYSTEMS, { ...OPTS, listen: [{ host: "127.0.0.1", port: 2525 }, { host: "::1", port: 2526 }] });
  assert.match(r.masterCf, /^127\.0\.0\.1:2525\tinet\tn\t-\tn\t-\t-\tsmtpd$/m);
  assert.match(r.masterCf, /^\[::1\]:2526\tinet\tn\t-\tn\t-\t-\tsmtpd$/m);
  assert.match(r.masterCf, /^postlog\tunix-dgram\tn\t-\tn\t-\t1\tpostlogd$/m);
  for (const line of r.masterCf.split("\n").filter((l) => /^\S+\t(inet|unix)\t/.test(l))) assert.equal(line.split("\t")[4], "n", line);
  const prod = renderPostfix(SYSTEMS, { ...OPTS, listen: [{ host: "0.0.0.0", port: 25 }] });
  assert.match(prod.masterCf, /^smtp\tinet\t/m);
  assert.equal(param(prod.mainCf, "inet_interfaces"), "all");
});

test("ok/variants: no policy service, selected states, TLS, Internet relay, no rate limits, extra parameters", () => {
  const none = renderPostfix(SYSTEMS, { ...OPTS, policy: null, rateLimits: null });
  assert.doesNotMatch(none.mainCf, /check_policy_service/);
  assert.doesNotMatch(none.mainCf, /anvil|_rate_limit/);
  const rcptOnly = renderPostfix(SYSTEMS, { ...OPTS, policy: { host: "127.0.0.1", port: 1, states: ["RCPT"], timeoutSeconds: 3 } });
  assert.match(param(rcptOnly.mainCf, "smtpd_recipient_restrictions")!, /timeout=3s/);
  assert.equal(param(rcptOnly.mainCf, "smtpd_end_of_data_restrictions"), undefined);
  const tls = renderPostfix(SYSTEMS, { ...OPTS, tls: { certFile: "/etc/qaqpa/mail.crt", keyFile: "/etc/qaqpa/mail.key" }, internetRelay: { host: "192.0.2.99", port: 587 }, extra: { minimal_backoff_time: "1s" } });
  assert.equal(param(tls.mainCf, "smtpd_tls_security_level"), "may");
  assert.equal(param(tls.mainCf, "smtpd_tls_cert_file"), "/etc/qaqpa/mail.crt");
  assert.equal(param(tls.mainCf, "relayhost"), "[192.0.2.99]:587");
  assert.equal(param(tls.mainCf, "minimal_backoff_time"), "1s");
  const unix = renderPostfix(SYSTEMS, { ...OPTS, policy: { path: "/var/lib/qaqpa/mail/policy.sock" } });
  assert.match(param(unix.mainCf, "smtpd_recipient_restrictions")!, /^check_policy_service \{ unix:\/var\/lib\/qaqpa\/mail\/policy\.sock, timeout=10s,/);
  assert.throws(() => policyRestriction({ path: "policy.sock" }), RenderError);
  assert.equal(renderPostfix([], OPTS).maps["relay_domains"]!.split("\n").filter((l) => l && !l.startsWith("#")).length, 0);
});

const bad: [string, () => unknown][] = [
  ["fail/a newline in a domain cannot become a second map line", () => renderPostfix([{ ...SYSTEMS[0]!, domains: ["b.gov.kz\nevil.com OK"] }], OPTS)],
  ["fail/a newline in an extra value cannot become a second parameter", () => renderPostfix(SYSTEMS, { ...OPTS, extra: { minimal_backoff_time: "1s\nmynetworks = 0.0.0.0/0" } })],
  ["fail/not an extra parameter name", () => renderPostfix(SYSTEMS, { ...OPTS, extra: { "mynetworks = 0.0.0.0/0 #": "x" } })],
  ["fail/not an IP address", () => renderPostfix([{ ...SYSTEMS[0]!, serverAddresses: ["192.0.2.0/24"] }], OPTS)],
  ["fail/one domain in two systems", () => renderPostfix([SYSTEMS[0]!, { ...SYSTEMS[1]!, domains: ["B.gov.kz"] }], OPTS)],
  ["fail/one address in two systems", () => renderPostfix([SYSTEMS[0]!, { ...SYSTEMS[1]!, serverAddresses: ["192.0.2.20"] }], OPTS)],
  ["fail/inbound host that is neither IP nor name", () => renderPostfix([{ ...SYSTEMS[0]!, inbound: { host: "mx a", port: 25 } }], OPTS)],
  ["fail/inbound port out of range", () => renderPostfix([{ ...SYSTEMS[0]!, inbound: { host: "192.0.2.1", port: 0 } }], OPTS)],
  ["fail/policy service off loopback", () => policyRestriction({ host: "192.0.2.1", port: 10040 })],
  ["fail/relative configuration directory", () => renderPostfix(SYSTEMS, { ...OPTS, configDirectory: "etc" })],
  ["fail/path with a comma", () => renderPostfix(SYSTEMS, { ...OPTS, maillogFile: "/var/log/a,b" })],
  ["fail/unqualified myhostname", () => renderPostfix(SYSTEMS, { ...OPTS, myhostname: "localhost" })],
  ["fail/no listener", () => renderPostfix(SYSTEMS, { ...OPTS, listen: [] })],
  ["fail/postmaster address with a comma", () => renderPostfix(SYSTEMS, { ...OPTS, postmasterAddress: "a@b.kz, c@d.kz" })],
];
for (const [name, f] of bad) test(name, () => assert.throws(f, RenderError));

const postconf = findExecutable("postconf");
test("ok/Postfix itself reads the rendered main.cf and master.cf without a warning", { skip: postconf ? false : "postconf is not installed" }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "qaqpa-render-"));
  try {
    const r = renderPostfix(SYSTEMS, { ...OPTS, configDirectory: dir, queueDirectory: join(dir, "q"), dataDirectory: join(dir, "d"), maillogFile: join(dir, "maillog"), tls: { certFile: "/etc/ssl/certs/x.pem", keyFile: "/etc/ssl/private/x.key" } });
    await writeFile(join(dir, "main.cf"), r.mainCf);
    await writeFile(join(dir, "master.cf"), r.masterCf);
    const main = await runCommand(postconf!, ["-c", dir, "-n"]);
    assert.equal(main.code, 0, main.stderr);
    assert.equal(main.stderr, "", "postconf warns about nothing (no unknown or misspelt parameter)");
    assert.match(main.stdout, /^smtpd_end_of_data_restrictions = check_policy_service \{ inet:127\.0\.0\.1:10040/m);
    const master = await runCommand(postconf!, ["-c", dir, "-M"]);
    assert.equal(master.code, 0, master.stderr);
    assert.equal(master.stderr, "");
    assert.match(master.stdout, /^127\.0\.0\.1:2525 +inet +n +- +n +- +- +smtpd$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
