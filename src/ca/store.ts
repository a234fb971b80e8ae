/**
 * The CA store port (step-ca's "store"): CA certificate records with their sealed keys and lifecycle, and the
 * per-epoch leaf key pairs shared by every gateway node. Writes are compare-and-swap or insert-if-absent, so
 * two control-plane replicas racing on the same change cannot both win, and a retried call is harmless.
 *
 * The PostgreSQL/PGlite adapter (table `ca_certificate`) implements this interface in `store/`; the
 * in-memory implementation below backs the tests and the all-in-one until then.
 */
import { CaConflictError, CaNotFoundError } from "./errors.js";
import type { CaKeyAlgorithm } from "./keys.js";
import type { CaKind, CaLifecycle } from "./lifecycle.js";

export interface CaCertificateRecord {
  readonly id: string;
  readonly kind: CaKind;
  /** The root that signed an intermediate; null for a root. */
  readonly parentId: string | null;
  readonly der: Buffer;
  /** `qs1.…` sealed PKCS#8 under context `ca-key:<id>`. Never leaves the store except into an issuer. */
  readonly sealedKey: string;
  readonly keyAlgorithm: CaKeyAlgorithm;
  readonly subject: string;
  readonly serialHex: string;
  readonly sha256: string;
  readonly sha1: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** dNSName excludedSubtrees the certificate carries. */
  readonly excludedDns: readonly string[];
  readonly lifecycle: CaLifecycle;
  /** Incremented by every update; the compare-and-swap token. */
  readonly version: number;
}

/** The record without its key: what views, exports and logs may carry. */
export type CaCertificateView = Omit<CaCertificateRecord, "sealedKey" | "der"> & { readonly pem: string };

export interface LeafKeyRecord {
  /** Epoch index: floor(unix seconds / epochSeconds). */
  readonly epoch: number;
  readonly epochSeconds: number;
  /** `qs1.…` sealed PKCS#8 under context `leaf-key:<epoch>:ecdsa` / `leaf-key:<epoch>:rsa`. */
  readonly sealedEcdsa: string;
  readonly sealedRsa: string;
  readonly createdAt: Date;
}

export interface CaStore {
  /** Inserts a new record (version 1). A record with the same id → CaConflictError. */
  insertCertificate(record: CaCertificateRecord): Promise<void>;
  getCertificate(id: string): Promise<CaCertificateRecord | undefined>;
  /** All records, oldest first. */
  listCertificates(filter?: { kind?: CaKind }): Promise<CaCertificateRecord[]>;
  /** Replaces the lifecycle if the record is still at `expectedVersion`; returns the new record. */
  updateLifecycle(id: string, expectedVersion: number, lifecycle: CaLifecycle): Promise<CaCertificateRecord>;
  /** Stores the epoch's leaf keys unless some node already did; returns whichever record is stored. */
  putLeafKeysIfAbsent(record: LeafKeyRecord): Promise<LeafKeyRecord>;
  getLeafKeys(epoch: number, epochSeconds: number): Promise<LeafKeyRecord | undefined>;
}

const clone = <T>(v: T): T => structuredClone(v);

/** Buffers survive structuredClone as Uint8Array; give callers Buffers back. */
function reviveCert(r: CaCertificateRecord): CaCertificateRecord {
  const c = clone(r);
  return { ...c, der: Buffer.from(c.der) };
}

export class InMemoryCaStore implements CaStore {
  readonly #certs = new Map<string, CaCertificateRecord>();
  readonly #leafKeys = new Map<string, LeafKeyRecord>();

  async insertCertificate(record: CaCertificateRecord): Promise<void> {
    if (this.#certs.has(record.id)) throw new CaConflictError(`CA certificate ${record.id} already exists`);
    this.#certs.set(record.id, reviveCert({ ...record, version: 1 }));
  }

  async getCertificate(id: string): Promise<CaCertificateRecord | undefined> {
    const r = this.#certs.get(id);
    return r && reviveCert(r);
  }

  async listCertificates(filter: { kind?: CaKind } = {}): Promise<CaCertificateRecord[]> {
    return [...this.#certs.values()].filter((r) => !filter.kind || r.kind === filter.kind).map(reviveCert);
  }

  async updateLifecycle(id: string, expectedVersion: number, lifecycle: CaLifecycle): Promise<CaCertificateRecord> {
    const r = this.#certs.get(id);
    if (!r) throw new CaNotFoundError(`CA certificate ${id} not found`);
    if (r.version !== expectedVersion) throw new CaConflictError(`CA certificate ${id} changed (version ${r.version}, expected ${expectedVersion})`);
    const next = reviveCert({ ...r, lifecycle, version: r.version + 1 });
    this.#certs.set(id, next);
    return reviveCert(next);
  }

  async putLeafKeysIfAbsent(record: LeafKeyRecord): Promise<LeafKeyRecord> {
    const k = `${record.epochSeconds}:${record.epoch}`;
    const existing = this.#leafKeys.get(k);
    if (existing) return clone(existing);
    this.#leafKeys.set(k, clone(record));
    return clone(record);
  }

  async getLeafKeys(epoch: number, epochSeconds: number): Promise<LeafKeyRecord | undefined> {
    const r = this.#leafKeys.get(`${epochSeconds}:${epoch}`);
    return r && clone(r);
  }
}
