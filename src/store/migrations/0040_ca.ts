import { sql, type Kysely } from "kysely";

export const name = "ca";

/**
 * The gateway CA (Rules p.21–23): root and intermediate certificates with their sealed keys and lifecycle,
 * the lifecycle history, the per-epoch leaf key pairs shared by every gateway node, and the scheduled steps
 * of a rotation (activate the successor, retire and later revoke the predecessor).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table ca_certificate (
      id uuid primary key,
      kind text not null check (kind in ('root', 'intermediate')),
      parent_id uuid references ca_certificate(id),
      der bytea not null,
      -- qs1.… AES-256-GCM under the master key, context ca-key:<id>; never selected for views
      sealed_key text not null,
      key_algorithm text not null,
      subject text not null,
      serial_hex text not null,
      sha256 text not null unique,
      sha1 text not null,
      not_before timestamptz not null,
      not_after timestamptz not null,
      excluded_dns text[] not null default '{}',
      state text not null check (state in ('generated', 'published', 'active', 'retiring', 'revoked')),
      generated_at timestamptz not null,
      published_at timestamptz,
      activated_at timestamptz,
      retiring_at timestamptz,
      revoked_at timestamptz,
      revocation_reason text,
      -- compare-and-swap token: every lifecycle update is "where version = expected"
      version int not null default 1,
      -- insertion order: "oldest first" even for a root and its intermediate generated at the same instant
      seq bigint generated always as identity,
      created_at timestamptz not null default now(),
      check ((kind = 'root') = (parent_id is null)),
      check ((state = 'revoked') = (revoked_at is not null))
    );
    create index ca_certificate_kind_state on ca_certificate(kind, state);
    create index ca_certificate_parent on ca_certificate(parent_id);

    -- One row per lifecycle version: the state history of a certificate (the audit chain holds who and why).
    create table ca_certificate_history (
      certificate_id uuid not null references ca_certificate(id),
      version int not null,
      state text not null,
      lifecycle jsonb not null,
      recorded_at timestamptz not null default now(),
      primary key (certificate_id, version)
    );

    -- Leaf key pairs per epoch: insert-if-absent, so every node ends up with the same pair (first writer wins).
    create table ca_leaf_keys (
      epoch_seconds int not null,
      epoch bigint not null,
      sealed_ecdsa text not null,
      sealed_rsa text not null,
      created_at timestamptz not null,
      primary key (epoch_seconds, epoch)
    );

    -- Steps of a rotation plan that fall due later (the hourly CA duty applies them). A step that can no
    -- longer apply skips the rest of its rotation: retiring the old root after its successor was revoked
    -- would leave the gateway with nothing to issue under.
    create table ca_rotation_step (
      id uuid primary key default gen_random_uuid(),
      rotation_id uuid not null,
      certificate_id uuid not null references ca_certificate(id),
      ordinal int not null,
      event jsonb not null,
      due_at timestamptz not null,
      status text not null default 'pending' check (status in ('pending', 'applied', 'skipped')),
      applied_at timestamptz,
      last_error text,
      created_at timestamptz not null default now()
    );
    create index ca_rotation_step_due on ca_rotation_step(due_at) where status = 'pending';
    create index ca_rotation_step_rotation on ca_rotation_step(rotation_id);
  `.execute(db);
}
