/**
 * EDS material for application tests, made with the openssl command line like the NCA's hierarchy: a root,
 * legal-entity signing certificates with `OU=BIN<bin>` (valid, expired, under an untrusted root), and detached
 * CMS signatures made by `openssl cms -sign` over the exact bytes the APS verifies (the canonical JSON of the
 * document). Keys live in a temporary folder for the test run only.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalJson } from "../../../src/domain/audit-chain.js";

export interface Signer {
  cert: string;
  key: string;
}

export interface EdsFixture {
  rootPem: string;
  /** a signer of the legal entity with this BIN under the trusted root */
  signer(bin: string, opts?: { expired?: boolean; untrusted?: boolean; noDigitalSignature?: boolean }): Signer;
  /** base64 DER of a detached CMS signature over `content` (a string is signed as UTF-8 bytes) */
  sign(content: string | Buffer, s: Signer): string;
  /** the signature over the canonical JSON of a document, as the APS verifies it */
  signDocument(document: unknown, s: Signer): string;
  /** a fresh self-signed CA certificate (for trust-anchor tests) */
  freshCaPem(name: string): string;
}

function ssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
}

export function makeEdsFixture(): EdsFixture {
  const dir = mkdtempSync(join(tmpdir(), "qaqpa-eds-"));
  let n = 0;
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  const makeRoot = (name: string) => {
    const d = join(dir, name);
    mkdirSync(join(d, "newcerts"), { recursive: true });
    writeFileSync(join(d, "index.txt"), "");
    writeFileSync(
      join(d, "ca.cnf"),
      [
        "[ca]",
        "default_ca = test_ca",
        "[test_ca]",
        `database = ${join(d, "index.txt")}`,
        `new_certs_dir = ${join(d, "newcerts")}`,
        "default_md = sha256",
        "policy = policy_any",
        "unique_subject = no",
        "copy_extensions = none",
        "email_in_dn = no",
        "rand_serial = yes",
        "[policy_any]",
        "countryName = optional",
        "organizationName = optional",
        "organizationalUnitName = optional",
        "serialNumber = optional",
        "commonName = supplied",
        "[signer]",
        "basicConstraints = critical, CA:false",
        "keyUsage = critical, digitalSignature, nonRepudiation",
        "extendedKeyUsage = emailProtection, 1.2.398.3.3.4.1.2",
        "[encipher_only]",
        "basicConstraints = critical, CA:false",
        "keyUsage = critical, keyEncipherment",
        "",
      ].join("\n"),
    );
    ssl(["req", "-x509", ...ec, "-keyout", "root.key", "-out", "root.pem", "-subj", `/C=KZ/O=Test/CN=${name}`, "-days", "3650", "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], d);
    return d;
  };
  const trusted = makeRoot("Test NCA Root");
  const rogue = makeRoot("Rogue Root");
  const now = Date.now();
  return {
    rootPem: readFileSync(join(trusted, "root.pem"), "utf8"),
    signer(bin, opts = {}) {
      const d = opts.untrusted ? rogue : trusted;
      const name = `signer-${++n}`;
      ssl(["req", "-new", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/C=KZ/O=Test organisation/OU=BIN${bin}/serialNumber=IIN850101300005/CN=Test signer`], d);
      const [from, to] = opts.expired ? [new Date(now - 400 * 86_400_000), new Date(now - 30 * 86_400_000)] : [new Date(now - 86_400_000), new Date(now + 365 * 86_400_000)];
      ssl(["ca", "-batch", "-config", "ca.cnf", "-cert", "root.pem", "-keyfile", "root.key", "-extensions", opts.noDigitalSignature ? "encipher_only" : "signer", "-startdate", stamp(from), "-enddate", stamp(to), "-in", `${name}.csr`, "-out", `${name}.pem`, "-notext"], d);
      return { cert: join(d, `${name}.pem`), key: join(d, `${name}.key`) };
    },
    sign(content, s) {
      const file = join(dir, `content-${++n}`);
      writeFileSync(file, content);
      const out = `${file}.p7s`;
      execFileSync("openssl", ["cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256", "-signer", s.cert, "-inkey", s.key, "-in", file, "-out", out], { stdio: ["ignore", "ignore", "pipe"] });
      return readFileSync(out).toString("base64");
    },
    signDocument(document, s) {
      return this.sign(canonicalJson(document), s);
    },
    freshCaPem(name) {
      const d = join(dir, `ca-${++n}`);
      mkdirSync(d);
      ssl(["req", "-x509", ...ec, "-keyout", "k.pem", "-out", "c.pem", "-subj", `/CN=${name}`, "-days", "365", "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign"], d);
      return readFileSync(join(d, "c.pem"), "utf8");
    },
  };
}
