/**
 * Leaf minting benchmark (one core): the DER-template path of src/ca/leaf.ts side by side with the named peer,
 * @peculiar/x509's `X509CertificateGenerator` producing the same leaf profile (same issuer, key, validity,
 * extensions and deterministic serial) — what one would write first. Then the leaf cache: hits per second
 * through `get()` (a Promise per hit) and `peek()` (synchronous), and misses through `get()`.
 *
 *   node --import tsx benchmarks/ca.bench.ts
 *   QAQPA_BENCH_SECONDS=2 QAQPA_BENCH_ROUNDS=5 node --import tsx benchmarks/ca.bench.ts   # seconds per round, rounds per row
 *
 * Every leaf has a distinct name (`h<i>.bench.example.kz`), so no path can cache a signature.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createHash, randomBytes, webcrypto } from "node:crypto";
import { loadavg } from "node:os";
import { createSealer } from "../src/secrets/sealer.js";
import { CaAuthority, createIntermediate, createRoot, generateLeafKeys, openLeafKeys } from "../src/ca/authority/index.js";
import { FileKeyIssuer, caKeyContext } from "../src/ca/issuers/file-key.js";
import { LeafCache, epochOf, type MintedLeaf } from "../src/ca/leaf.js";
import { parseCertificate, subjectKeyIdOf } from "../src/ca/x509.js";

const SECONDS = Number(process.env.QAQPA_BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.QAQPA_BENCH_ROUNDS ?? 3);

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

// ------------------------------------------------------------------------------------------- setup
const sealer = createSealer(randomBytes(32));
const now = new Date();
const root = await createRoot(sealer, { now });
const inter = await createIntermediate(sealer, root, { now });
const issuer = FileKeyIssuer.open(sealer, inter.record.id, inter.record.sealedKey);
const keys = openLeafKeys(sealer, generateLeafKeys(sealer, epochOf(now.getTime()), 86_400, now));
const authority = new CaAuthority({ isProtected: () => false });
const minter = authority.leafMinter({ issuer, certificate: inter.record.der }, keys);

/**
 * Runs `fn` for ROUNDS rounds of SECONDS each and keeps the best round. Reports both wall-clock rate and rate
 * per CPU-second of this process (user + system): on a shared machine the wall figure drops with other load,
 * while the CPU figure is what one core delivers. The ratio line uses CPU rates.
 */
async function timed(label: string, fn: (i: number) => unknown, opts: { async?: boolean } = {}): Promise<number> {
  let i = 0;
  const warm = performance.now() + 300;
  while (performance.now() < warm) opts.async ? await fn(i++) : fn(i++);
  let bestWall = 0;
  let bestCpu = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const end = start + SECONDS * 1000;
    let n = 0;
    // Check the clock every 64 iterations so timing does not dominate the cheap loops.
    while (true) {
      for (let k = 0; k < 64; k++) opts.async ? await fn(i++) : fn(i++);
      n += 64;
      if (performance.now() >= end) break;
    }
    const wall = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    bestWall = Math.max(bestWall, n / wall);
    bestCpu = Math.max(bestCpu, n / ((cpu.user + cpu.system) / 1e6));
  }
  const per = 1e6 / bestCpu;
  console.log(
    `  ${label.padEnd(40)} ${fmt(bestCpu).padStart(9)}/CPU-s  ${fmt(bestWall).padStart(9)}/s wall   ${per >= 1000 ? (per / 1000).toFixed(2) + " ms" : per.toFixed(1) + " µs"} CPU each`,
  );
  return bestCpu;
}

const fmt = (r: number): string => (r >= 1e6 ? (r / 1e6).toFixed(2) + " M" : r >= 1e4 ? (r / 1e3).toFixed(1) + " k" : r.toFixed(0));

// --------------------------------------------------------------------------------- peer: @peculiar/x509
const interCert = parseCertificate(inter.record.der);
const interSki = subjectKeyIdOf(interCert)!;
/** The intermediate's subject as DER, so the peer's issuer field is byte-identical to ours. */
const issuerName = new x509.Name(interCert.subject);
// The benchmark's own copy of the issuing key, opened the way the issuer opens it.
const signingKey = await webcrypto.subtle.importKey("pkcs8", sealer.open(inter.record.sealedKey, caKeyContext(inter.record.id)), { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
const leafPublic = await webcrypto.subtle.importKey("spki", keys.ecdsa.spki, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
const sample = minter.mint("sample.bench.example.kz") as MintedLeaf;
const nbSeconds = Buffer.alloc(8);
nbSeconds.writeBigUInt64BE(BigInt(Math.floor(sample.notBefore.getTime() / 1000)));

async function peculiarLeaf(name: string): Promise<x509.X509Certificate> {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(name.length);
  const serial = createHash("sha256").update(interSki).update(len).update(name).update(keys.ecdsa.spki).update(nbSeconds).digest().subarray(0, 16);
  serial[0]! &= 0x7f;
  return x509.X509CertificateGenerator.create({
    serialNumber: serial.toString("hex"),
    subject: `CN=${name}`,
    issuer: issuerName,
    notBefore: sample.notBefore,
    notAfter: sample.notAfter,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    publicKey: leafPublic,
    signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectKeyIdentifierExtension(keys.ecdsa.keyId.toString("hex")),
      new x509.AuthorityKeyIdentifierExtension(interSki.toString("hex")),
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: name }]),
    ],
  });
}

// Same profile? Compare the peer's SAN/EKU/serial with the template's for one name.
{
  const name = "compare.bench.example.kz";
  const ours = new x509.X509Certificate((minter.mint(name) as MintedLeaf).der);
  const theirs = await peculiarLeaf(name);
  const same =
    ours.serialNumber === theirs.serialNumber &&
    ours.subject === theirs.subject &&
    ours.issuer === theirs.issuer &&
    ours.notAfter.getTime() === theirs.notAfter.getTime() &&
    ours.extensions.map((e) => e.type).join() === theirs.extensions.map((e) => e.type).join();
  if (!same) throw new Error("the peer does not produce the same leaf profile; the comparison would be unfair");
}

// ------------------------------------------------------------------------------------------------ run
console.log(`leaf minting — ECDSA P-256 issuing CA, best of ${ROUNDS} × ${SECONDS} s (node ${process.versions.node}, load average ${loadavg()[0]!.toFixed(1)})`);
await timed("floor: issuer.sign(TBS) alone", () => issuer.sign(sample.tbs));
const ours = await timed("template + node:crypto (ECDSA leaf)", (i) => minter.mint(`h${i}.bench.example.kz`));
await timed("template + node:crypto (RSA-2048 leaf)", (i) => minter.mint(`r${i}.bench.example.kz`, "rsa"));
const peer = await timed("@peculiar/x509 X509CertificateGenerator", (i) => peculiarLeaf(`p${i}.bench.example.kz`), { async: true });
console.log(`  ${"ratio template / @peculiar/x509 (CPU)".padEnd(40)} ${(ours / peer).toFixed(1)}×`);

console.log("leaf cache (LRU 10 000, 5 000 warm names)");
const cache = new LeafCache(minter, { max: 10_000 });
const WARM = 5_000;
for (let i = 0; i < WARM; i++) await cache.get(`w${i}.bench.example.kz`);
const names = Array.from({ length: WARM }, (_, i) => `w${i}.bench.example.kz`);
await timed("get() hit (Promise)", (i) => cache.get(names[i % WARM]!), { async: true });
await timed("peek() hit (sync)", (i) => cache.peek(names[i % WARM]!));
const missCache = new LeafCache(minter, { max: 10_000 });
await timed("get() miss (validate + mint + insert)", (i) => missCache.get(`m${i}.bench.example.kz`), { async: true });
const s = cache.stats();
console.log(`  ${"hit rate of the warm run".padEnd(40)} ${((100 * s.hits) / (s.hits + s.misses)).toFixed(2)} %  (${s.hits} hits, ${s.misses} misses)`);
