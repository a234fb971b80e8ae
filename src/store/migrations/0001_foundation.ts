import { sql, type Kysely } from "kysely";

export const name = "foundation";

/** Organisations, operators, contracts, the IP address catalogue (p.4, p.13), accounts, audit chain, outbox, calendar. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table organisation (
      id uuid primary key default gen_random_uuid(),
      bin char(12) not null unique,
      name_kk text not null,
      name_ru text not null,
      name_en text not null,
      class text not null,
      contacts jsonb not null default '[]',
      status text not null default 'active',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create table telecom_operator (
      id uuid primary key default gen_random_uuid(),
      bin char(12) not null unique,
      name_kk text not null,
      name_ru text not null,
      name_en text not null,
      asns bigint[] not null default '{}',
      notification_emails text[] not null default '{}',
      contacts jsonb not null default '[]',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create table contract (
      id uuid primary key default gen_random_uuid(),
      organisation_id uuid not null references organisation(id),
      operator_id uuid not null references telecom_operator(id),
      number text not null,
      signed_on date,
      valid_from date not null,
      valid_to date,
      status text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (operator_id, number),
      check (valid_to is null or valid_to >= valid_from)
    );
    create index contract_organisation on contract(organisation_id);
    create table catalogue_prefix (
      id uuid primary key default gen_random_uuid(),
      prefix cidr not null unique,
      organisation_id uuid not null references organisation(id),
      operator_id uuid not null references telecom_operator(id),
      contract_id uuid references contract(id),
      note text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index catalogue_prefix_gist on catalogue_prefix using gist (prefix inet_ops);
    create index catalogue_prefix_operator on catalogue_prefix(operator_id);
    create index catalogue_prefix_organisation on catalogue_prefix(organisation_id);
    create table account (
      id uuid primary key default gen_random_uuid(),
      username text not null unique,
      display_name text not null,
      email text,
      password_hash text,
      role text not null,
      operator_id uuid references telecom_operator(id),
      organisation_id uuid references organisation(id),
      disabled boolean not null default false,
      must_change_password boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((role = 'operator_staff') = (operator_id is not null)),
      check ((role = 'organisation_staff') = (organisation_id is not null))
    );
    create table session (
      id text primary key,
      account_id uuid not null references account(id) on delete cascade,
      csrf_token text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create table api_token (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null references account(id) on delete cascade,
      name text not null,
      token_hash text not null unique,
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    create table audit_entry (
      seq bigint primary key,
      at timestamptz not null,
      action text not null,
      entity_type text,
      entity_id text,
      actor_id text not null,
      body text not null,
      prev_hash text not null,
      hash text not null
    );
    create index audit_entity on audit_entry(entity_type, entity_id);
    create table audit_head (
      id int primary key check (id = 1),
      seq bigint not null,
      hash text not null
    );
    insert into audit_head values (1, 0, repeat('0', 64));
    create table outbox_message (
      id uuid primary key default gen_random_uuid(),
      channel text not null,
      recipients text[] not null,
      subject text not null,
      body_text text not null,
      status text not null default 'pending',
      attempts int not null default 0,
      next_attempt_at timestamptz not null default now(),
      last_error text,
      dedupe_key text unique,
      related jsonb not null default '{}',
      created_at timestamptz not null default now(),
      sent_at timestamptz
    );
    create index outbox_due on outbox_message(status, next_attempt_at);
    create table calendar_day (
      date date primary key,
      kind text not null,
      name text,
      source text,
      updated_at timestamptz not null default now(),
      updated_by text not null
    );
  `.execute(db);
}
