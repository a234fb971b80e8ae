import { sql, type Kysely } from "kysely";

export const name = "gateway";

/**
 * Category lists imported by STS (their entries kept as one compressed blob per list version: a 1M-domain
 * list is one row, not a million), STS category overrides, and the batched decision log (metadata only).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table category_source (
      name text primary key,
      licence text not null,
      fetched date not null,
      version text not null,
      format text not null,
      entry_count int not null,
      entries bytea not null,
      sha256 text not null,
      imported_by text not null,
      imported_at timestamptz not null default now()
    );
    create table category_override (
      id uuid primary key default gen_random_uuid(),
      pattern text not null,
      category text not null,
      action text not null check (action in ('add', 'remove')),
      reason text not null,
      decided_by text not null,
      created_at timestamptz not null default now(),
      unique (pattern, category)
    );
    create table decision_log (
      id bigserial primary key,
      at timestamptz not null,
      ref text not null,
      kind text not null,
      organisation_id uuid,
      unknown_source boolean not null,
      source inet not null,
      host text,
      path text,
      port int not null,
      protocol text not null,
      categories text[] not null,
      action text not null,
      reason text not null,
      tls text,
      status int,
      bytes_up bigint not null,
      bytes_down bigint not null,
      duration_ms int not null,
      ja4 text,
      snapshot_id text not null
    );
    create index decision_log_at on decision_log(at);
    create index decision_log_ref on decision_log(ref);
    create index decision_log_org_at on decision_log(organisation_id, at);
  `.execute(db);
}
