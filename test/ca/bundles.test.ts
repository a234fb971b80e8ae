import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  allBundles,
  debianAnchor,
  debianInstallScript,
  derFile,
  describeRoot,
  firefoxPolicies,
  macosMobileconfig,
  pemFile,
  rhelAnchor,
  rhelInstallScript,
  uuidV5,
  windowsCer,
  windowsPowerShell,
} from "../../src/ca/bundles.js";
import { makeHierarchy, openssl, run, Scratch, type Hierarchy } from "./fixture.js";

let h: Hierarchy;
let der: Buffer;
let scratch: Scratch;
before(async () => {
  h = await makeHierarchy();
  der = h.root.record.der;
  scratch = new Scratch();
});
after(() => scratch.remove());

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

test("ok/PEM, DER and fingerprints agree with openssl", () => {
  const r = describeRoot(der);
  const pemPath = scratch.write("root.pem", pemFile(der).body);
  const fp = (alg: string): string | undefined => openssl("x509", "-in", pemPath, "-noout", "-fingerprint", `-${alg}`).out.trim().split("=")[1];
  assert.equal(fp("sha256"), r.sha256);
  assert.equal(fp("sha1"), r.sha1);
  assert.ok((derFile(der).body as Buffer).equals(der));
  assert.equal(r.fp8, sha256(der).slice(0, 8));
  assert.equal(pemFile(der).filename, `qaqpa-${r.fp8}.pem`);
});

test("ok/Windows: DER .cer and a PowerShell script that checks the thumbprint and imports into LocalMachine\\Root", () => {
  const r = describeRoot(der);
  const cer = windowsCer(der);
  assert.equal(cer.filename, `qaqpa-${r.fp8}.cer`);
  assert.ok((cer.body as Buffer).equals(der));
  const ps = windowsPowerShell(der).body as string;
  assert.match(ps, /Import-Certificate -FilePath \$path -CertStoreLocation Cert:\\LocalMachine\\Root/);
  assert.ok(ps.includes(`$expected = '${r.sha1.replaceAll(":", "")}'`));
  assert.ok(ps.includes(`qaqpa-${r.fp8}.cer`));
  assert.ok(ps.includes("\r\n"));
});

test("ok/macOS .mobileconfig parses as a plist with one com.apple.security.root payload carrying the DER", () => {
  const file = macosMobileconfig(der, { organisation: "State Technical Service <STS> & Co" });
  assert.equal(file.contentType, "application/x-apple-aspen-config");
  const path = scratch.write("root.mobileconfig", file.body);
  const py = `
import plistlib, json, sys, hashlib
p = plistlib.load(open(sys.argv[1], "rb"))
c = p["PayloadContent"][0]
print(json.dumps({"type": p["PayloadType"], "uuid": p["PayloadUUID"], "org": p["PayloadOrganization"],
  "ptype": c["PayloadType"], "puuid": c["PayloadUUID"], "sha": hashlib.sha256(c["PayloadContent"]).hexdigest(),
  "version": p["PayloadVersion"], "removal": p["PayloadRemovalDisallowed"]}))`;
  const r = run("python3", ["-c", py, path]);
  if (r.status !== 0 && /No such file|not found/.test(r.out)) {
    // No python3: a structural check instead.
    assert.match(file.body as string, /<key>PayloadType<\/key>\s*<string>com\.apple\.security\.root<\/string>/);
    return;
  }
  assert.equal(r.status, 0, r.out);
  const p = JSON.parse(r.out);
  assert.equal(p.type, "Configuration");
  assert.equal(p.ptype, "com.apple.security.root");
  assert.equal(p.sha, sha256(der));
  assert.equal(p.org, "State Technical Service <STS> & Co");
  assert.equal(p.version, 1);
  assert.equal(p.removal, false);
  assert.match(p.uuid, /^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  assert.notEqual(p.uuid, p.puuid);
});

test("ok/PayloadUUIDs are deterministic per root and differ between roots", async () => {
  assert.equal(macosMobileconfig(der).body, macosMobileconfig(der).body);
  const other = await makeHierarchy();
  const uuids = (b: string): string[] => [...b.matchAll(/<key>PayloadUUID<\/key>\s*<string>([^<]+)<\/string>/g)].map((m) => m[1]!);
  assert.notDeepEqual(uuids(macosMobileconfig(der).body as string), uuids(macosMobileconfig(other.root.record.der).body as string));
  // RFC 9562 Appendix A.4 test vector: UUIDv5 of "www.example.com" in the DNS namespace.
  assert.equal(uuidV5("www.example.com", Buffer.from("6ba7b8109dad11d180b400c04fd430c8", "hex")), "2ED6657D-E927-568B-95E1-2665A8AEA6A2");
});

test("ok/Firefox policies.json installs the certificate file and imports enterprise roots", () => {
  const r = describeRoot(der);
  const f = firefoxPolicies(der);
  assert.equal(f.filename, "policies.json");
  assert.deepEqual(JSON.parse(f.body as string), { policies: { Certificates: { ImportEnterpriseRoots: true, Install: [`qaqpa-${r.fp8}.crt`] } } });
  assert.ok(allBundles(der).firefox.some((b) => b.filename === `qaqpa-${r.fp8}.crt` && b.body === r.pem));
});

test("ok/Debian and RHEL anchors and installers", () => {
  const r = describeRoot(der);
  assert.equal(debianAnchor(der).installPath, `/usr/local/share/ca-certificates/qaqpa-${r.fp8}.crt`);
  assert.equal(rhelAnchor(der).installPath, `/etc/pki/ca-trust/source/anchors/qaqpa-${r.fp8}.crt`);
  assert.equal(debianAnchor(der).body, r.pem);
  for (const [file, refresh, dir] of [
    [debianInstallScript(der), "update-ca-certificates", "/usr/local/share/ca-certificates"],
    [rhelInstallScript(der), "update-ca-trust extract", "/etc/pki/ca-trust/source/anchors"],
  ] as const) {
    const body = file.body as string;
    assert.ok(body.startsWith("#!/bin/sh\n"));
    assert.ok(body.includes(`\n${refresh}\n`));
    assert.ok(body.includes(`target='${dir}/qaqpa-${r.fp8}.crt'`));
    assert.ok(body.includes(r.pem));
    assert.ok(body.includes(`[ "$fp" = '${r.sha256}' ]`));
    const path = scratch.write(file.filename, body);
    assert.equal(run("sh", ["-n", path]).status, 0, "POSIX sh syntax");
  }
});

test("ok/the installer's fingerprint check matches what openssl prints for the embedded PEM", () => {
  const body = debianInstallScript(der).body as string;
  const pem = body.slice(body.indexOf("-----BEGIN"), body.indexOf("QAQPA_ROOT\nif"));
  const fp = openssl("x509", "-in", scratch.write("embedded.pem", pem), "-noout", "-fingerprint", "-sha256").out.trim().split("=")[1];
  assert.ok(body.includes(`[ "$fp" = '${fp}' ]`));
});

test("ok/no bundle carries key material", () => {
  const all = Object.values(allBundles(der)).flat();
  assert.ok(all.length >= 10);
  for (const f of all) {
    const s = typeof f.body === "string" ? f.body : f.body.toString("latin1");
    assert.ok(!s.includes("PRIVATE KEY"));
    assert.ok(!s.includes(h.root.record.sealedKey.slice(4, 40)));
  }
});
