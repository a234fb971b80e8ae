/**
 * Writes an artificial detached CMS SignedData labelled with the Kazakh GOST algorithms, for the routing tests:
 * a certificate with a GOST 34.310-2004 public key (1.2.398.3.10.1.1.1.1) and a SignerInfo with digest
 * GOST 34.311-95 (1.2.398.3.10.1.3.1) and signature 1.2.398.3.10.1.1.1.2. The structure is RFC 5652 / RFC 5280;
 * the key, digest and signature bytes are deterministic filler, not real GOST values — no local verifier can
 * check them, which is the point: the verifier must hand such a signature to the external GOST verifier.
 *
 *   node --import tsx test/workflows/eds/make-gost-fixture.ts <out.p7s> <BIN> <IIN>
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import * as asn1js from "asn1js";

const [out, bin, iin] = process.argv.slice(2);
if (!out || !bin || !iin) {
  console.error("usage: make-gost-fixture.ts <out.p7s> <BIN> <IIN>");
  process.exit(2);
}

const GOST_KEY = "1.2.398.3.10.1.1.1.1";
const GOST_KEY_PARAMS_A = "1.2.398.3.10.1.1.1.1.1";
const GOST_SIGNATURE = "1.2.398.3.10.1.1.1.2";
const GOST_DIGEST = "1.2.398.3.10.1.3.1";
const ID_DATA = "1.2.840.113549.1.7.1";
const ID_SIGNED_DATA = "1.2.840.113549.1.7.2";

/** Deterministic filler so reruns produce the same file. */
function filler(label: string, n: number): ArrayBuffer {
  const out = new Uint8Array(n);
  for (let i = 0, block = 0; i < n; block++) {
    const h = createHash("sha256").update(`${label}/${block}`).digest();
    for (let j = 0; j < h.length && i < n; j++, i++) out[i] = h[j]!;
  }
  return out.buffer;
}

const oid = (value: string) => new asn1js.ObjectIdentifier({ value });
const seq = (...value: asn1js.AsnType[]) => new asn1js.Sequence({ value });
const set = (...value: asn1js.AsnType[]) => new asn1js.Set({ value });
const algorithm = (id: string) => seq(oid(id));
const explicit0 = (...value: asn1js.AsnType[]) => new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value });

/** A Name with one attribute per RDN, in the given order (RFC 5280 §4.1.2.4). */
function name(rdns: Array<[string, string]>): asn1js.Sequence {
  return seq(
    ...rdns.map(([type, value]) =>
      set(seq(oid(type), type === "2.5.4.6" || type === "2.5.4.5" ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value }))),
    ),
  );
}

const issuer = () =>
  name([
    ["2.5.4.6", "KZ"],
    ["2.5.4.10", "Test National Certification Authority"],
    ["2.5.4.3", "Test GOST CA"],
  ]);
const serial = () => new asn1js.Integer({ valueHex: new Uint8Array([0x47, 0x05, 0x5e, 0x01]).buffer });

// Certificate (RFC 5280 §4.1) with a GOST 34.310-2004 key, "signed" with GOST 34.310-2004 / 34.311-95.
const tbs = seq(
  explicit0(new asn1js.Integer({ value: 2 })),
  serial(),
  algorithm(GOST_SIGNATURE),
  issuer(),
  seq(new asn1js.UTCTime({ valueDate: new Date(Date.UTC(2025, 0, 1)) }), new asn1js.UTCTime({ valueDate: new Date(Date.UTC(2045, 0, 1)) })),
  name([
    ["2.5.4.6", "KZ"],
    ["2.5.4.10", "Test Ministry"],
    ["2.5.4.11", `BIN${bin}`],
    ["2.5.4.5", `IIN${iin}`],
    ["2.5.4.3", "Ivanov Ivan"],
  ]),
  seq(
    seq(oid(GOST_KEY), seq(oid(GOST_KEY_PARAMS_A))),
    new asn1js.BitString({ valueHex: new asn1js.OctetString({ valueHex: filler("public key", 64) }).toBER() }),
  ),
);
const certificate = seq(tbs, algorithm(GOST_SIGNATURE), new asn1js.BitString({ valueHex: filler("certificate signature", 64) }));

// SignedAttributes (RFC 5652 §5.3): content-type, signing-time, message-digest.
const signedAttributes = [
  seq(oid("1.2.840.113549.1.9.3"), set(oid(ID_DATA))),
  seq(oid("1.2.840.113549.1.9.5"), set(new asn1js.UTCTime({ valueDate: new Date(Date.UTC(2026, 0, 15, 4, 30)) }))),
  seq(oid("1.2.840.113549.1.9.4"), set(new asn1js.OctetString({ valueHex: filler("digest", 32) }))),
];

const signerInfo = seq(
  new asn1js.Integer({ value: 1 }),
  seq(issuer(), serial()),
  algorithm(GOST_DIGEST),
  new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: signedAttributes }),
  algorithm(GOST_SIGNATURE),
  new asn1js.OctetString({ valueHex: filler("signature", 64) }),
);

// SignedData (RFC 5652 §5.1), detached: EncapsulatedContentInfo without eContent.
const signedData = seq(
  new asn1js.Integer({ value: 1 }),
  set(algorithm(GOST_DIGEST)),
  seq(oid(ID_DATA)),
  new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [certificate] }),
  set(signerInfo),
);

const contentInfo = seq(oid(ID_SIGNED_DATA), explicit0(signedData));
writeFileSync(out, new Uint8Array(contentInfo.toBER()));
