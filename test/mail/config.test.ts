/** The `mail` section of the configuration is validated strictly: unknown keys, bad names, clashing ports. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config.js";

function load(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), "qaqpa-mailcfg-"));
  try {
    writeFileSync(join(dir, "qaqpa.yaml"), yaml);
    return loadConfig({}, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("ok/a mail section with defaults for the loopback ports", () => {
  const c = load("mail:\n  hostname: ugem.sts.kz\n  listen: [{ host: 0.0.0.0, port: 25 }]\n  internetRelay: { host: relay.sts.kz, port: 25 }\n  detectorLimits: { messagesPerMinute: 300 }\n");
  assert.equal(c.mail?.hostname, "ugem.sts.kz");
  assert.deepEqual(c.mail?.detectorLimits, { messagesPerMinute: 300 });
  assert.equal(c.mail?.policyPort, undefined);
  assert.equal(load("log: { level: info }\n").mail, undefined, "no mail section: no mail gateway");
});

test("fail/unknown keys, unqualified host names, port 0 and clashing ports are refused", () => {
  assert.throws(() => load("mail:\n  hostname: ugem.sts.kz\n  listen: [{ host: 0.0.0.0, port: 25 }]\n  polcyPort: 10040\n"), ConfigError);
  assert.throws(() => load("mail:\n  hostname: ugem\n  listen: [{ host: 0.0.0.0, port: 25 }]\n"), /hostname/);
  assert.throws(() => load("mail:\n  hostname: ugem.sts.kz\n  listen: []\n"), ConfigError);
  assert.throws(() => load("mail:\n  hostname: ugem.sts.kz\n  listen: [{ host: 0.0.0.0, port: 0 }]\n"), ConfigError);
  assert.throws(() => load("mail:\n  hostname: ugem.sts.kz\n  listen: [{ host: 127.0.0.1, port: 10025 }]\n"), /distinct ports/);
  assert.throws(() => load("mail:\n  hostname: ugem.sts.kz\n  listen: [{ host: 0.0.0.0, port: 25 }]\n  detectorLimits: { maxBounceShare: 2 }\n"), ConfigError);
});
