/**
 * Leaf certificates for TLS bump — the CA's hot path.
 *
 * Primitives:
 * - `LeafKeyPair` / `LeafKeySet`: the per-epoch leaf key pairs (ECDSA P-256, RSA-2048) shared by every worker
 *   and node. Generated and sealed by the authority (authority/leaf-keys.ts), never the CA key: a worker that
 *   bumps TLS holds the leaf key and, at most, the issuing intermediate's key — never the root's.
 * - `LeafMinter`: per epoch and key type it prepares a DER TBSCertificate template once; per name it runs the
 *   authority's name policy, then splices serial, subject CN and SAN into the template, re-encodes the lengths
 *   around them, and has the issuer sign the TBS (`crypto.sign` for a file key). No ASN.1 object tree per leaf.
 * - `LeafCache`: bounded LRU keyed by (name, key type) with request collapsing.
 *
 * Determinism: serial, validity and every other TBS byte depend only on (issuer key id, name, leaf SPKI,
 * epoch), so every worker and node with the same key set mints the byte-identical TBSCertificate for a name;
 * only the ECDSA signature differs (it is randomised). Leaf profile (RFC 5280 §4.1, §4.2):
 *
 *   subject          CN=<name> (omitted when longer than ub-common-name 64; SAN then critical, §4.2.1.6)
 *   subjectAltName   dNSName:<name> only — never copied from upstream (iPAddress when explicitly allowed)
 *   basicConstraints critical, cA FALSE                     keyUsage  critical, digitalSignature
 *   extKeyUsage      serverAuth                             (RSA keys add keyEncipherment, see below)
 *   SKI / AKI        leaf key id / issuing intermediate key id
 *   validity         notBefore = epoch start − backdate; notAfter = notBefore + validityDays (≤ 397)
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { inspect } from "node:util";
import type { LeafName } from "./authority/names.js";
import type { LeafNamePolicy } from "./authority/policy.js";
import { lengthSize, seq, time, uint, writeLength } from "./der.js";
import { CaConfigError } from "./errors.js";
import type { Issuer } from "./issuers/issuer.js";
import { keyIdentifier, spkiOf, type LeafKeyType } from "./keys.js";
import {
  KU,
  OID,
  authorityKeyIdentifier,
  basicConstraints,
  extKeyUsage,
  keyUsage,
  parseCertificate,
  subjectKeyIdOf,
  subjectKeyIdentifier,
  toPem,
} from "./x509.js";

export type { LeafKeyType };

/** Hard cap on leaf validity: CA/Browser Forum BR §6.3.2 (398 days) minus a day of margin. */
export const MAX_LEAF_VALIDITY_DAYS = 397;
/**
 * Default leaf validity. Leaves are re-minted every epoch anyway, so a long validity buys nothing but
 * tolerance of fast client clocks; 30 days tolerates badly set clocks while keeping a leaf (plus the shared
 * leaf key, if a node leaked it) useful for at most a month. Far under Apple's 825-day limit for certificates
 * chaining to user-installed roots.
 */
export const DEFAULT_LEAF_VALIDITY_DAYS = 30;
/** One key epoch per UTC day; the boundary falls at 05:00 in Asia/Almaty, off-peak for organisations. */
export const DEFAULT_EPOCH_SECONDS = 86_400;
/** notBefore = epoch start − 1 h, so a client whose clock is a little slow accepts a leaf minted at 00:01. */
export const DEFAULT_BACKDATE_SECONDS = 3_600;

// ------------------------------------------------------------------------------------------ leaf keys

/** One leaf key pair. The private key is kept in a private field; JSON and inspect show the key id only. */
export class LeafKeyPair {
  readonly type: LeafKeyType;
  readonly publicKey: KeyObject;
  readonly spki: Buffer;
  readonly keyId: Buffer;
  readonly #privateKey: KeyObject;
  #pem: string | undefined;

  constructor(privateKey: KeyObject) {
    const publicKey = createPublicKey(privateKey);
    const t = publicKey.asymmetricKeyType;
    const d = publicKey.asymmetricKeyDetails;
    if (t === "ec" && d?.namedCurve === "prime256v1") this.type = "ecdsa";
    else if (t === "rsa" && d?.modulusLength === 2048) this.type = "rsa";
    else throw new CaConfigError("a leaf key is ECDSA P-256 or RSA-2048");
    this.#privateKey = privateKey;
    this.publicKey = publicKey;
    this.spki = spkiOf(publicKey);
    this.keyId = keyIdentifier(this.spki);
  }

  static fromPkcs8(der: Buffer): LeafKeyPair {
    return new LeafKeyPair(createPrivateKey({ key: der, format: "der", type: "pkcs8" }));
  }

  /** The private key, for signing APIs that take a KeyObject. */
  privateKey(): KeyObject {
    return this.#privateKey;
  }

  /**
   * PEM of the private key for `tls.createSecureContext({ key })`, which on Node 20 takes no KeyObject.
   * Exported once per epoch key and kept in the same private memory as the key itself.
   */
  privateKeyPem(): string {
    return (this.#pem ??= this.#privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  }

  toJSON(): { type: LeafKeyType; keyId: string } {
    return { type: this.type, keyId: this.keyId.toString("hex") };
  }

  [inspect.custom](): string {
    return `LeafKeyPair { type: ${this.type}, keyId: ${this.keyId.toString("hex")} }`;
  }
}

export interface LeafKeySet {
  /** floor(unix seconds / epochSeconds). */
  readonly epoch: number;
  readonly epochSeconds: number;
  readonly ecdsa: LeafKeyPair;
  /** RSA-2048 for clients without ECDSA; absent → such clients get no leaf (the gateway splices or blocks). */
  readonly rsa?: LeafKeyPair;
}

export function epochOf(unixMs: number, epochSeconds = DEFAULT_EPOCH_SECONDS): number {
  return Math.floor(unixMs / 1000 / epochSeconds);
}

// ------------------------------------------------------------------------------------------- minting

export interface MintedLeaf {
  readonly name: string;
  readonly keyType: LeafKeyType;
  readonly epoch: number;
  readonly der: Buffer;
  /** The TBSCertificate inside `der` (a view, not a copy). */
  readonly tbs: Buffer;
  /** Serial number magnitude (16 octets, top bit clear). */
  readonly serial: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Certificates to send after the leaf: the issuing intermediate (the root is on the workstation). */
  readonly chain: readonly Buffer[];
  readonly key: LeafKeyPair;
}

/** Leaf followed by its chain, PEM — the `cert` option of `tls.createSecureContext`. */
export function leafCertChainPem(leaf: MintedLeaf): string {
  return toPem(leaf.der) + leaf.chain.map((c) => toPem(c)).join("");
}

export interface LeafMinterOptions {
  readonly issuer: Issuer;
  /** DER of the issuing intermediate whose key `issuer` holds. */
  readonly issuerCertificate: Buffer;
  /** The authority's name policy (authority/policy.ts): validation and the two protected-name refusals. */
  readonly policy: LeafNamePolicy;
  readonly keys: LeafKeySet;
  readonly validityDays?: number;
  readonly backdateSeconds?: number;
}

/** Template for one (epoch, key type): every TBS byte that does not depend on the name. */
interface Template {
  readonly epoch: number;
  readonly key: LeafKeyPair;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** `[0] EXPLICIT INTEGER 2` (version v3). */
  readonly version: Buffer;
  /** signature AlgorithmIdentifier ‖ issuer Name ‖ Validity — between serial and subject. */
  readonly middle: Buffer;
  readonly spki: Buffer;
  /** basicConstraints ‖ keyUsage ‖ extKeyUsage ‖ SKI ‖ AKI. */
  readonly fixedExtensions: Buffer;
  /** Serial hash input around the name: issuer key id, then leaf SPKI ‖ notBefore (u64 BE seconds). */
  readonly serialPrefix: Buffer;
  readonly serialSuffix: Buffer;
}

const VERSION_V3 = Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02]);
/** AttributeTypeAndValue prefix: OID 2.5.4.3 (commonName). */
const CN_OID = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]);
/** Extension prefix: OID 2.5.29.17 (subjectAltName). */
const SAN_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x11]);
const CRITICAL = Buffer.from([0x01, 0x01, 0xff]);
const UB_COMMON_NAME = 64; // RFC 5280 Appendix A

/** Size of a TLV whose content is `len` octets. */
const tlvSize = (len: number): number => 1 + lengthSize(len) + len;

function writeHeader(buf: Buffer, off: number, tag: number, len: number): number {
  buf[off] = tag;
  return writeLength(buf, off + 1, len);
}

export class LeafMinter {
  readonly #issuer: Issuer;
  readonly #issuerCert: Buffer;
  readonly #issuerKeyId: Buffer;
  readonly #issuerName: Buffer;
  readonly #issuerNotBefore: number;
  readonly #issuerNotAfter: number;
  readonly #policy: LeafNamePolicy;
  readonly #validityMs: number;
  readonly #backdateMs: number;
  #keys: LeafKeySet;
  #templates = new Map<LeafKeyType, Template>();

  constructor(opts: LeafMinterOptions) {
    const cert = parseCertificate(opts.issuerCertificate);
    const keyId = subjectKeyIdOf(cert);
    if (!keyId) throw new CaConfigError("the issuing certificate has no subjectKeyIdentifier");
    if (!keyIdentifier(spkiOf(opts.issuer.publicKey)).equals(keyIdentifier(cert.spki))) {
      throw new CaConfigError("the issuer key does not belong to the issuing certificate");
    }
    const days = opts.validityDays ?? DEFAULT_LEAF_VALIDITY_DAYS;
    if (!Number.isInteger(days) || days < 1 || days > MAX_LEAF_VALIDITY_DAYS) {
      throw new CaConfigError(`leaf validity must be 1..${MAX_LEAF_VALIDITY_DAYS} days`);
    }
    const backdate = opts.backdateSeconds ?? DEFAULT_BACKDATE_SECONDS;
    if (!Number.isInteger(backdate) || backdate < 0 || backdate > 7 * 86_400) throw new CaConfigError("backdate must be 0..7 days");
    this.#issuer = opts.issuer;
    this.#issuerCert = opts.issuerCertificate;
    this.#issuerKeyId = keyId;
    this.#issuerName = cert.subject;
    this.#issuerNotBefore = cert.notBefore.getTime();
    this.#issuerNotAfter = cert.notAfter.getTime();
    this.#policy = opts.policy;
    this.#validityMs = days * 86_400_000;
    this.#backdateMs = backdate * 1000;
    this.#keys = opts.keys;
  }

  get epoch(): number {
    return this.#keys.epoch;
  }

  /**
   * Switches to the next epoch's key set (the gateway calls it at the epoch boundary with the keys the
   * authority handed out). The epoch, and so notBefore and the serial, follow the key set rather than the
   * local clock, which keeps nodes with skewed clocks minting identical TBS bytes.
   */
  useKeys(keys: LeafKeySet): void {
    this.#keys = keys;
    this.#templates = new Map();
  }

  mint(name: string, keyType: LeafKeyType = "ecdsa"): MintedLeaf | Promise<MintedLeaf> {
    const leafName = this.#policy(name);
    const t = this.#template(keyType);
    const { tbs, serial } = this.#tbs(leafName, t);
    const sig = this.#issuer.sign(tbs);
    return sig instanceof Promise ? sig.then((s) => this.#wrap(leafName, keyType, t, tbs, serial, s)) : this.#wrap(leafName, keyType, t, tbs, serial, sig);
  }

  #wrap(leafName: LeafName, keyType: LeafKeyType, t: Template, tbs: Buffer, serial: Buffer, sig: Buffer): MintedLeaf {
    const alg = this.#issuer.algorithm.identifier;
    const bodyLen = tbs.length + alg.length + tlvSize(sig.length + 1);
    const der = Buffer.allocUnsafe(tlvSize(bodyLen));
    let o = writeHeader(der, 0, 0x30, bodyLen);
    const tbsStart = o;
    o += tbs.copy(der, o);
    o += alg.copy(der, o);
    o = writeHeader(der, o, 0x03, sig.length + 1);
    der[o++] = 0; // BIT STRING unused bits
    sig.copy(der, o);
    return {
      name: leafName.name,
      keyType,
      epoch: t.epoch,
      der,
      tbs: der.subarray(tbsStart, tbsStart + tbs.length),
      serial,
      notBefore: t.notBefore,
      notAfter: t.notAfter,
      chain: [this.#issuerCert],
      key: t.key,
    };
  }

  #template(keyType: LeafKeyType): Template {
    const cached = this.#templates.get(keyType);
    if (cached) return cached;
    const keys = this.#keys;
    const key = keyType === "ecdsa" ? keys.ecdsa : keys.rsa;
    if (!key) throw new CaConfigError(`no ${keyType} leaf key in epoch ${keys.epoch}`);
    const epochStartMs = keys.epoch * keys.epochSeconds * 1000;
    // Validity inside the issuer's, so a leaf never claims more than its chain can give.
    const notBefore = new Date(Math.max(epochStartMs - this.#backdateMs, this.#issuerNotBefore));
    const notAfter = new Date(Math.min(notBefore.getTime() + this.#validityMs, this.#issuerNotAfter));
    if (notAfter.getTime() <= epochStartMs) throw new CaConfigError("the issuing certificate has expired for this epoch");
    const nb = Buffer.alloc(8);
    nb.writeBigUInt64BE(BigInt(Math.floor(notBefore.getTime() / 1000)));
    const t: Template = {
      epoch: keys.epoch,
      key,
      notBefore,
      notAfter,
      version: VERSION_V3,
      middle: Buffer.concat([this.#issuer.algorithm.identifier, this.#issuerName, seq(time(notBefore), time(notAfter))]),
      spki: key.spki,
      fixedExtensions: Buffer.concat([
        basicConstraints(false),
        // RFC 5280 §4.2.1.3 / RFC 5246 §7.4.2: an RSA key used for RSA key transport needs keyEncipherment;
        // old clients without ECDSA are exactly the ones that may still pick TLS_RSA_* suites.
        keyUsage(key.type === "rsa" ? [KU.digitalSignature, KU.keyEncipherment] : [KU.digitalSignature]),
        extKeyUsage([OID.serverAuth]),
        subjectKeyIdentifier(key.keyId),
        authorityKeyIdentifier(this.#issuerKeyId),
      ]),
      serialPrefix: this.#issuerKeyId,
      serialSuffix: Buffer.concat([key.spki, nb]),
    };
    this.#templates.set(keyType, t);
    return t;
  }

  /** Splices one name into the template. Exposed through `mint`; the TBS is what every node agrees on. */
  #tbs(leafName: LeafName, t: Template): { tbs: Buffer; serial: Buffer } {
    const name = leafName.name;
    const n = name.length; // ASCII only: the policy admits LDH names, `*.` and IP literals

    // Serial: first 16 octets of SHA-256(issuer key id ‖ u16 len ‖ name ‖ leaf SPKI ‖ u64 notBefore), top bit
    // cleared so the INTEGER is positive (RFC 5280 §4.1.2.2). The length prefix keeps the concatenation
    // unambiguous. The client cannot choose the hash input's suffix, and a chosen-prefix collision on SHA-256
    // is out of reach, which is what CA/B BR §7.1's serial entropy guards against.
    const lenPrefix = Buffer.allocUnsafe(2);
    lenPrefix.writeUInt16BE(n);
    const serial = createHash("sha256").update(t.serialPrefix).update(lenPrefix).update(name, "latin1").update(t.serialSuffix).digest().subarray(0, 16);
    serial[0]! &= 0x7f;
    const serialTlv = uint(serial);

    // subject: SEQUENCE { SET { SEQUENCE { OID cn, UTF8String name } } }, or an empty SEQUENCE for long names.
    const withCn = n <= UB_COMMON_NAME;
    const atvLen = CN_OID.length + tlvSize(n);
    const rdnLen = tlvSize(atvLen);
    const rdnSeqLen = withCn ? tlvSize(rdnLen) : 0;
    const subjectSize = tlvSize(rdnSeqLen);

    // subjectAltName: SEQUENCE { OID, [critical], OCTET STRING { SEQUENCE { [2] name | [7] address } } }
    const ip = leafName.kind === "ip" ? leafName.bytes : undefined;
    const gnLen = ip ? ip.length : n;
    const gnsLen = tlvSize(gnLen);
    const octLen = tlvSize(gnsLen);
    const sanLen = SAN_OID.length + (withCn ? 0 : CRITICAL.length) + tlvSize(octLen);
    const extsLen = t.fixedExtensions.length + tlvSize(sanLen);
    const ctx3Len = tlvSize(extsLen);
    const bodyLen = t.version.length + serialTlv.length + t.middle.length + subjectSize + t.spki.length + tlvSize(ctx3Len);

    const tbs = Buffer.allocUnsafe(tlvSize(bodyLen));
    let o = writeHeader(tbs, 0, 0x30, bodyLen);
    o += t.version.copy(tbs, o);
    o += serialTlv.copy(tbs, o);
    o += t.middle.copy(tbs, o);
    o = writeHeader(tbs, o, 0x30, rdnSeqLen);
    if (withCn) {
      o = writeHeader(tbs, o, 0x31, rdnLen);
      o = writeHeader(tbs, o, 0x30, atvLen);
      o += CN_OID.copy(tbs, o);
      o = writeHeader(tbs, o, 0x0c, n); // UTF8String (RFC 5280 §4.1.2.6)
      o += tbs.write(name, o, "latin1");
    }
    o += t.spki.copy(tbs, o);
    o = writeHeader(tbs, o, 0xa3, ctx3Len);
    o = writeHeader(tbs, o, 0x30, extsLen);
    o += t.fixedExtensions.copy(tbs, o);
    o = writeHeader(tbs, o, 0x30, sanLen);
    o += SAN_OID.copy(tbs, o);
    if (!withCn) o += CRITICAL.copy(tbs, o); // RFC 5280 §4.2.1.6: empty subject → SAN critical
    o = writeHeader(tbs, o, 0x04, octLen);
    o = writeHeader(tbs, o, 0x30, gnsLen);
    if (ip) {
      o = writeHeader(tbs, o, 0x87, gnLen);
      o += ip.copy(tbs, o);
    } else {
      o = writeHeader(tbs, o, 0x82, gnLen); // dNSName [2] IA5String
      o += tbs.write(name, o, "latin1");
    }
    if (o !== tbs.length) throw new Error(`leaf template length mismatch (${o} != ${tbs.length})`);
    return { tbs, serial: Buffer.from(serial) };
  }
}

// --------------------------------------------------------------------------------------------- cache

export interface LeafCacheStats {
  readonly size: number;
  readonly hits: number;
  readonly misses: number;
  /** Requests that joined an in-flight mint for the same key. */
  readonly collapsed: number;
  readonly evictions: number;
}

/**
 * Bounded LRU of minted leaves keyed by (name, key type), after mitmproxy's certificate cache, with request
 * collapsing: concurrent requests for a key share one mint. A cached leaf from an older epoch counts as a
 * miss. Failures (refused names) are not cached: they are rare, and each refusal should be seen.
 *
 * The cache keys on the requested name lower-cased without a trailing dot; the minter still validates it.
 */
export class LeafCache {
  readonly #minter: LeafMinter;
  readonly #max: number;
  readonly #entries = new Map<string, MintedLeaf>();
  readonly #inflight = new Map<string, Promise<MintedLeaf>>();
  #hits = 0;
  #misses = 0;
  #collapsed = 0;
  #evictions = 0;

  constructor(minter: LeafMinter, opts: { max?: number } = {}) {
    const max = opts.max ?? 10_000;
    if (!Number.isInteger(max) || max < 1) throw new CaConfigError("cache size must be a positive integer");
    this.#minter = minter;
    this.#max = max;
  }

  static key(name: string, keyType: LeafKeyType): string {
    const n = name.endsWith(".") ? name.slice(0, -1) : name;
    return (keyType === "ecdsa" ? "e:" : "r:") + n.toLowerCase();
  }

  /** Synchronous hit path: the cached leaf, or undefined (then call `get`). */
  peek(name: string, keyType: LeafKeyType = "ecdsa"): MintedLeaf | undefined {
    const key = LeafCache.key(name, keyType);
    const e = this.#entries.get(key);
    if (!e || e.epoch !== this.#minter.epoch) return undefined;
    this.#entries.delete(key); // move to the most-recent end
    this.#entries.set(key, e);
    this.#hits++;
    return e;
  }

  get(name: string, keyType: LeafKeyType = "ecdsa"): Promise<MintedLeaf> {
    const hit = this.peek(name, keyType);
    if (hit) return Promise.resolve(hit);
    const key = LeafCache.key(name, keyType);
    const pending = this.#inflight.get(key);
    if (pending) {
      this.#collapsed++;
      return pending;
    }
    this.#misses++;
    let minted: MintedLeaf | Promise<MintedLeaf>;
    try {
      minted = this.#minter.mint(name, keyType);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!(minted instanceof Promise)) {
      this.#store(key, minted);
      return Promise.resolve(minted);
    }
    const p = minted.then(
      (leaf) => {
        this.#inflight.delete(key);
        this.#store(key, leaf);
        return leaf;
      },
      (err: unknown) => {
        this.#inflight.delete(key);
        throw err;
      },
    );
    this.#inflight.set(key, p);
    return p;
  }

  #store(key: string, leaf: MintedLeaf): void {
    if (leaf.epoch !== this.#minter.epoch) return; // minted just before an epoch switch: serve, do not keep
    this.#entries.delete(key);
    this.#entries.set(key, leaf);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
      this.#evictions++;
    }
  }

  stats(): LeafCacheStats {
    return { size: this.#entries.size, hits: this.#hits, misses: this.#misses, collapsed: this.#collapsed, evictions: this.#evictions };
  }

  clear(): void {
    this.#entries.clear();
  }
}
