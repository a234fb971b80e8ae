/**
 * The optional milter engines (Rspamd, ClamAV): endpoint validation, what Postfix is told (main.cf, the
 * per-client milter map), strict configuration keys, and the doctor's probe against peers that are not a
 * milter. The real ClamAV and Rspamd are in engines-peer.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderPostfix, RenderError, MILTER_MAP, type RenderOptions } from "../../src/mail/postfix/render.js";
import { formatMilterEndpoint, parseMilterEndpoint, probeMilter, MilterEndpointError } from "../../src/mail/engines/milter.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { engineChecks } from "../../src/cli/doctor.js";
import type { MailSystem } from "../../src/mail/ports.js";
import { freePort } from "./peer/harness.js";

const SYSTEMS: MailSystem[] = [
  { id: "sys-b", organisationId: "o2", name: "B", domains: ["b.gov.kz"], serverAddresses: ["192.0.2.20"], inbound: { host: "192.0.2.21", port: 25 }, ownerEmail: "b@b.gov.kz", suspension: null },
  { id: "sys-a", organisationId: "o1", name: "A", domains: ["a.gov.kz"], serverAddresses: ["192.0.2.10", "2001:DB8::10"], inbound: { host: "mx.a.gov.kz", port: 2525 }, ownerEmail: "a@a.gov.kz", suspension: null },
];

const OPTS: RenderOptions = {
  myhostname: "ugem.sts.kz",
  configDirectory: "/var/lib/qaqpa/mail/etc",
  listen: [{ host: "127.0.0.1", port: 2525 }],
  policy: { host: "127.0.0.1", port: 10040 },
};

function param(mainCf: string, name: string): string | undefined {
  const m = new RegExp(`^${name} =(?: (.*))?$`, "m").exec(mainCf);
  return m ? (m[1] ?? "") : undefined;
}

const RSPAMD = "inet:127.0.0.1:11332";
const CLAMAV = "inet:127.0.0.1:7357";

const renderCases: { name: string; engines: RenderOptions["engines"]; smtpd: string | undefined; map: string | undefined }[] = [
  { name: "ok/no engines: no milter parameters at all", engines: undefined, smtpd: undefined, map: undefined },
  { name: "ok/ClamAV only: every message smtpd receives, no per-client map", engines: { clamav: { milter: CLAMAV } }, smtpd: CLAMAV, map: undefined },
  { name: "ok/Rspamd only: nothing for the Internet, Rspamd for the connected servers", engines: { rspamd: { milter: RSPAMD } }, smtpd: "", map: RSPAMD },
  { name: "ok/both: ClamAV for all, Rspamd then ClamAV for the connected servers", engines: { rspamd: { milter: RSPAMD }, clamav: { milter: CLAMAV } }, smtpd: CLAMAV, map: `${RSPAMD} ${CLAMAV}` },
  { name: "ok/IPv6 and UNIX-socket endpoints are written as Postfix reads them", engines: { rspamd: { milter: "inet:[::1]:11332" }, clamav: { milter: "unix:/run/clamav/clamav-milter.ctl" } }, smtpd: "unix:/run/clamav/clamav-milter.ctl", map: "inet:[::1]:11332 unix:/run/clamav/clamav-milter.ctl" },
];

for (const c of renderCases) {
  test(c.name, () => {
    const r = renderPostfix(SYSTEMS, { ...OPTS, ...(c.engines ? { engines: c.engines } : {}) });
    const p = (n: string) => param(r.mainCf, n);
    assert.equal(p("smtpd_milters"), c.smtpd);
    assert.equal(p("non_smtpd_milters"), c.smtpd);
    if (c.smtpd === undefined) {
      for (const n of ["milter_default_action", "milter_protocol", "smtpd_milter_maps"]) assert.equal(p(n), undefined, n);
      assert.equal(r.maps[MILTER_MAP], undefined);
      return;
    }
    assert.equal(p("milter_default_action"), "tempfail", "an engine that is down never lets mail pass unchecked");
    assert.equal(p("milter_protocol"), "6");
    for (const n of ["milter_connect_timeout", "milter_command_timeout", "milter_content_timeout"]) assert.match(p(n) ?? "", /^\d+s$/, n);
    if (c.map === undefined) {
      assert.equal(p("smtpd_milter_maps"), undefined);
      assert.equal(r.maps[MILTER_MAP], undefined);
    } else {
      assert.equal(p("smtpd_milter_maps"), `cidr:/var/lib/qaqpa/mail/etc/${MILTER_MAP}`);
      const lines = r.maps[MILTER_MAP]!.split("\n").filter((l) => l && !l.startsWith("#"));
      assert.deepEqual(lines, [`192.0.2.10/32\t${c.map}`, `2001:db8::10/128\t${c.map}`, `192.0.2.20/32\t${c.map}`]);
    }
    // The re-injection smtpd of the authentication filter keeps running no milters: nothing is scanned twice.
    const withFilter = renderPostfix(SYSTEMS, { ...OPTS, engines: c.engines!, contentFilter: { filter: { host: "127.0.0.1", port: 10025 }, reinject: { host: "127.0.0.1", port: 10026 } } });
    assert.match(withFilter.masterCf, /receive_override_options=.*no_milters/);
  });
}

const badEndpoints = [
  "127.0.0.1:11332",
  "inet:127.0.0.1",
  "inet:127.0.0.1:0",
  "inet:127.0.0.1:70000",
  "inet:::1:11332",
  "inet:[not-v6]:11332",
  "inet:bad_host!:11332",
  "inet:127.0.0.1:11332\nsmtpd_milters = x",
  "unix:relative/path",
  "unix:/run/a b",
  "unix:/run/a,b",
  "tcp:127.0.0.1:11332",
];

for (const e of badEndpoints) {
  test(`fail/endpoint ${JSON.stringify(e)} is refused by the renderer and the configuration`, () => {
    assert.throws(() => parseMilterEndpoint(e), MilterEndpointError);
    assert.throws(() => renderPostfix(SYSTEMS, { ...OPTS, engines: { clamav: { milter: e } } }), RenderError);
    assert.throws(() => load(`mail:\n  hostname: ugem.sts.kz\n  listen: [{ host: 0.0.0.0, port: 25 }]\n  engines: { clamav: { milter: ${JSON.stringify(e)} } }\n`), ConfigError);
  });
}

test("ok/endpoints normalise: host names lower-cased, IPv6 compressed, round trip", () => {
  assert.equal(formatMilterEndpoint(parseMilterEndpoint("inet:Rspamd.Local:11332")), "inet:rspamd.local:11332");
  assert.equal(formatMilterEndpoint(parseMilterEndpoint("inet:[0:0:0:0:0:0:0:1]:11332")), "inet:[::1]:11332");
  assert.deepEqual(parseMilterEndpoint("unix:/run/rspamd/milter.sock"), { kind: "unix", path: "/run/rspamd/milter.sock" });
});

function load(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), "qaqpa-engines-"));
  writeFileSync(join(dir, "qaqpa.yaml"), yaml);
  return loadConfig({}, dir);
}

test("ok/configuration: mail.engines is optional; both engines accepted", () => {
  const base = "mail:\n  hostname: ugem.sts.kz\n  listen: [{ host: 0.0.0.0, port: 25 }]\n";
  assert.equal(load(base).mail?.engines, undefined);
  const c = load(`${base}  engines:\n    rspamd: { milter: "${RSPAMD}" }\n    clamav: { milter: "${CLAMAV}" }\n`);
  assert.deepEqual(c.mail?.engines, { rspamd: { milter: RSPAMD }, clamav: { milter: CLAMAV } });
});

test("fail/configuration: unknown engines and unknown keys are errors, not ignored", () => {
  const base = "mail:\n  hostname: ugem.sts.kz\n  listen: [{ host: 0.0.0.0, port: 25 }]\n";
  assert.throws(() => load(`${base}  engines: { spamassassin: { milter: "${RSPAMD}" } }\n`), ConfigError);
  assert.throws(() => load(`${base}  engines: { rspamd: { milter: "${RSPAMD}", timeout: 5 } }\n`), ConfigError);
  assert.throws(() => load(`${base}  engines: { clamav: {} }\n`), ConfigError);
  assert.throws(() => load(`${base}  engines: { clamav: { miltr: "${CLAMAV}" } }\n`), ConfigError);
});

async function listen(onConnect: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnect);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  return { server, port: typeof a === "object" && a ? a.port : 0 };
}

test("fail/doctor: a configured engine that is not listening is a required failure with a fix", async () => {
  const port = await freePort();
  const checks = await engineChecks({ rspamd: { milter: `inet:127.0.0.1:${port}` } }, 2_000);
  assert.equal(checks.length, 1);
  assert.equal(checks[0]!.ok, false);
  assert.equal(checks[0]!.required, true);
  assert.match(checks[0]!.detail, /does not answer: .*ECONNREFUSED/);
  assert.match(checks[0]!.fix ?? "", /rspamd/);
  assert.deepEqual(await engineChecks({}), [], "nothing configured, nothing checked");
});

test("fail/doctor: a peer that speaks another protocol (an SMTP banner) is not a milter", async () => {
  const { server, port } = await listen((s) => s.end("220 mx.test ESMTP\r\n"));
  try {
    await assert.rejects(probeMilter(`inet:127.0.0.1:${port}`, 2_000), /not a milter/);
  } finally {
    server.close();
  }
});

test("fail/doctor: a peer that accepts and says nothing is reported after the timeout", async () => {
  const held: import("node:net").Socket[] = [];
  const { server, port } = await listen((s) => held.push(s));
  try {
    const [c] = await engineChecks({ clamav: { milter: `inet:127.0.0.1:${port}` } }, 300);
    assert.equal(c?.ok, false);
    assert.match(c!.detail, /no answer within 300 ms/);
  } finally {
    for (const s of held) s.destroy();
    server.close();
  }
});
