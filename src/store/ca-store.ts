/**
 * The CA store port (src/ca/store.ts) on the store: table `ca_certificate` (records with sealed keys and
 * lifecycle), `ca_certificate_history` (one row per lifecycle version) and `ca_leaf_keys` (per-epoch leaf key
 * pairs). Same SQL on PGlite and PostgreSQL.
 *
 * Built over a `Kysely` (reads and single writes) or a `Transaction` (a control-plane action: the CA change,
 * its audit entry and its outbox rows commit together). No write raises a SQL error on a conflict —
 * `insert … on conflict do nothing` and `update … where version = $expected` report through the affected
 * rows instead — so a lost race inside a transaction is a typed CaConflictError, not an aborted transaction.
 *
 * The sealed key column is selected only by the methods of the port that hand records to the CA service
 * (which opens it in a FileKeyIssuer); `listViews`/`getView` never select it.
 */
import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import type { CaCertificateTable, Database } from "./schema.js";
import { CaConflictError, CaNotFoundError } from "../ca/errors.js";
import type { CaKeyAlgorithm } from "../ca/keys.js";
import type { CaKind, CaLifecycle, CaState, RevocationReason } from "../ca/lifecycle.js";
import type { CaCertificateRecord, CaStore, LeafKeyRecord } from "../ca/store.js";

type Db = Kysely<Database> | Transaction<Database>;

/** A certificate as views and the API see it: everything but the key, with the DER for PEM/bundles. */
export type CaCertificateRow = Omit<CaCertificateRecord, "sealedKey">;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const VIEW_COLUMNS = [
  "id",
  "kind",
  "parent_id",
  "der",
  "key_algorithm",
  "subject",
  "serial_hex",
  "sha256",
  "sha1",
  "not_before",
  "not_after",
  "excluded_dns",
  "state",
  "generated_at",
  "published_at",
  "activated_at",
  "retiring_at",
  "revoked_at",
  "revocation_reason",
  "version",
] as const;

type ViewRow = Pick<Selectable<CaCertificateTable>, (typeof VIEW_COLUMNS)[number]>;

const date = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

function lifecycleOf(r: ViewRow): CaLifecycle {
  return {
    state: r.state as CaState,
    generatedAt: date(r.generated_at),
    ...(r.published_at ? { publishedAt: date(r.published_at) } : {}),
    ...(r.activated_at ? { activatedAt: date(r.activated_at) } : {}),
    ...(r.retiring_at ? { retiringAt: date(r.retiring_at) } : {}),
    ...(r.revoked_at ? { revokedAt: date(r.revoked_at) } : {}),
    ...(r.revocation_reason ? { revocationReason: r.revocation_reason as RevocationReason } : {}),
  };
}

function toRow(r: ViewRow): CaCertificateRow {
  return {
    id: r.id,
    kind: r.kind as CaKind,
    parentId: r.parent_id,
    der: Buffer.from(r.der),
    keyAlgorithm: r.key_algorithm as CaKeyAlgorithm,
    subject: r.subject,
    serialHex: r.serial_hex,
    sha256: r.sha256,
    sha1: r.sha1,
    notBefore: date(r.not_before),
    notAfter: date(r.not_after),
    excludedDns: [...r.excluded_dns],
    lifecycle: lifecycleOf(r),
    version: Number(r.version),
  };
}

function lifecycleColumns(lc: CaLifecycle) {
  return {
    state: lc.state,
    generated_at: lc.generatedAt,
    published_at: lc.publishedAt ?? null,
    activated_at: lc.activatedAt ?? null,
    retiring_at: lc.retiringAt ?? null,
    revoked_at: lc.revokedAt ?? null,
    revocation_reason: lc.revocationReason ?? null,
  };
}

const lifecycleJson = (lc: CaLifecycle): string =>
  JSON.stringify(Object.fromEntries(Object.entries(lc).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])));

export class PgCaStore implements CaStore {
  constructor(readonly db: Db) {}

  async insertCertificate(record: CaCertificateRecord): Promise<void> {
    const inserted = await this.db
      .insertInto("ca_certificate")
      .values({
        id: record.id,
        kind: record.kind,
        parent_id: record.parentId,
        der: record.der,
        sealed_key: record.sealedKey,
        key_algorithm: record.keyAlgorithm,
        subject: record.subject,
        serial_hex: record.serialHex,
        sha256: record.sha256,
        sha1: record.sha1,
        not_before: record.notBefore,
        not_after: record.notAfter,
        excluded_dns: [...record.excludedDns],
        ...lifecycleColumns(record.lifecycle),
        version: 1,
      })
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!inserted) throw new CaConflictError(`CA certificate ${record.id} already exists`);
    await this.#history(record.id, 1, record.lifecycle);
  }

  async getCertificate(id: string): Promise<CaCertificateRecord | undefined> {
    if (!UUID.test(id)) return undefined;
    const r = await this.db.selectFrom("ca_certificate").select([...VIEW_COLUMNS, "sealed_key"]).where("id", "=", id).executeTakeFirst();
    return r && { ...toRow(r), sealedKey: r.sealed_key };
  }

  async listCertificates(filter: { kind?: CaKind } = {}): Promise<CaCertificateRecord[]> {
    let q = this.db.selectFrom("ca_certificate").select([...VIEW_COLUMNS, "sealed_key"]);
    if (filter.kind) q = q.where("kind", "=", filter.kind);
    // Oldest first, as the port promises: insertion order, which also orders a root before its intermediate.
    const rows = await q.orderBy("seq").execute();
    return rows.map((r) => ({ ...toRow(r), sealedKey: r.sealed_key }));
  }

  async updateLifecycle(id: string, expectedVersion: number, lifecycle: CaLifecycle): Promise<CaCertificateRecord> {
    const r = UUID.test(id)
      ? await this.db
          .updateTable("ca_certificate")
          .set({ ...lifecycleColumns(lifecycle), version: sql<number>`version + 1` })
          .where("id", "=", id)
          .where("version", "=", expectedVersion)
          .returning([...VIEW_COLUMNS, "sealed_key"])
          .executeTakeFirst()
      : undefined;
    if (!r) {
      const current = UUID.test(id) ? await this.db.selectFrom("ca_certificate").select("version").where("id", "=", id).executeTakeFirst() : undefined;
      if (!current) throw new CaNotFoundError(`CA certificate ${id} not found`);
      throw new CaConflictError(`CA certificate ${id} changed (version ${current.version}, expected ${expectedVersion})`);
    }
    await this.#history(id, Number(r.version), lifecycle);
    return { ...toRow(r), sealedKey: r.sealed_key };
  }

  async putLeafKeysIfAbsent(record: LeafKeyRecord): Promise<LeafKeyRecord> {
    await this.db
      .insertInto("ca_leaf_keys")
      .values({ epoch_seconds: record.epochSeconds, epoch: record.epoch, sealed_ecdsa: record.sealedEcdsa, sealed_rsa: record.sealedRsa, created_at: record.createdAt })
      .onConflict((oc) => oc.columns(["epoch_seconds", "epoch"]).doNothing())
      .execute();
    // Whoever won the insert, the stored row is the fleet's key pair for this epoch.
    const stored = await this.getLeafKeys(record.epoch, record.epochSeconds);
    if (!stored) throw new CaConflictError(`leaf keys of epoch ${record.epoch} vanished after insert`);
    return stored;
  }

  async getLeafKeys(epoch: number, epochSeconds: number): Promise<LeafKeyRecord | undefined> {
    const r = await this.db.selectFrom("ca_leaf_keys").selectAll().where("epoch_seconds", "=", epochSeconds).where("epoch", "=", epoch).executeTakeFirst();
    return r && { epoch: Number(r.epoch), epochSeconds: Number(r.epoch_seconds), sealedEcdsa: r.sealed_ecdsa, sealedRsa: r.sealed_rsa, createdAt: date(r.created_at) };
  }

  // ------------------------------------------------------------------- beyond the port: key-free reads

  /** Certificates without their keys, oldest first. */
  async listViews(filter: { kind?: CaKind; states?: readonly CaState[] } = {}): Promise<CaCertificateRow[]> {
    let q = this.db.selectFrom("ca_certificate").select([...VIEW_COLUMNS]);
    if (filter.kind) q = q.where("kind", "=", filter.kind);
    if (filter.states) {
      if (filter.states.length === 0) return [];
      q = q.where("state", "in", [...filter.states]);
    }
    const rows = await q.orderBy("seq").execute();
    return rows.map(toRow);
  }

  async getView(id: string): Promise<CaCertificateRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const r = await this.db.selectFrom("ca_certificate").select([...VIEW_COLUMNS]).where("id", "=", id).executeTakeFirst();
    return r && toRow(r);
  }

  /** The lifecycle versions of a certificate, oldest first. */
  async history(id: string): Promise<{ version: number; state: CaState; lifecycle: Record<string, unknown>; recordedAt: Date }[]> {
    if (!UUID.test(id)) return [];
    const rows = await this.db.selectFrom("ca_certificate_history").selectAll().where("certificate_id", "=", id).orderBy("version").execute();
    return rows.map((r) => ({ version: Number(r.version), state: r.state as CaState, lifecycle: r.lifecycle, recordedAt: date(r.recorded_at) }));
  }

  async #history(id: string, version: number, lc: CaLifecycle): Promise<void> {
    await this.db
      .insertInto("ca_certificate_history")
      .values({ certificate_id: id, version, state: lc.state, lifecycle: lifecycleJson(lc) })
      .onConflict((oc) => oc.columns(["certificate_id", "version"]).doNothing())
      .execute();
  }
}
