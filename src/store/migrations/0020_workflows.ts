import { sql, type Kysely } from "kysely";

export const name = "workflows";

/**
 * The application processing system (p.3(8)): applications and their event history, follow-up tasks,
 * attachments, the durable job table of the scheduler, the gateway policy rows the workflows produce (p.15-1,
 * p.15-2), unknown source addresses (p.13) and the EDS trust anchors STS configures (p.15, p.15-2).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create sequence application_number_seq;
    create table application (
      id uuid primary key default gen_random_uuid(),
      kind text not null,
      number text not null unique,
      applicant_type text not null,
      organisation_id uuid references organisation(id),
      operator_id uuid references telecom_operator(id),
      state text not null,
      payload jsonb not null default '{}',
      sealed jsonb not null default '{}',
      signature text,
      signature_result jsonb,
      external_ref text unique,
      public_token_hash text unique,
      submitted_by text not null,
      submitted_at timestamptz not null,
      updated_at timestamptz not null default now(),
      version int not null default 1
    );
    create index application_kind_state on application(kind, state);
    create index application_organisation on application(organisation_id);
    create index application_operator on application(operator_id);
    create table application_event (
      application_id uuid not null references application(id) on delete cascade,
      seq int not null,
      type text not null,
      actor jsonb not null,
      at timestamptz not null,
      data jsonb not null default '{}',
      primary key (application_id, seq)
    );
    create table application_attachment (
      id uuid primary key default gen_random_uuid(),
      application_id uuid not null references application(id) on delete cascade,
      name text not null,
      media_type text not null,
      size int not null,
      sha256 text not null,
      content bytea not null,
      created_at timestamptz not null default now(),
      created_by text not null
    );
    create index application_attachment_app on application_attachment(application_id);
    create table workflow_task (
      id uuid primary key default gen_random_uuid(),
      application_id uuid not null references application(id) on delete cascade,
      key text not null unique,
      title text not null,
      state text not null default 'open',
      created_at timestamptz not null default now(),
      done_at timestamptz,
      done_by text
    );
    create index workflow_task_open on workflow_task(state, created_at);
    create table job (
      id uuid primary key default gen_random_uuid(),
      key text not null unique,
      kind text not null,
      application_id uuid references application(id) on delete cascade,
      run_at timestamptz not null,
      payload jsonb not null default '{}',
      status text not null default 'pending',
      attempts int not null default 0,
      max_attempts int not null default 10,
      lease_until timestamptz,
      locked_by text,
      last_error text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      done_at timestamptz
    );
    create index job_due on job(status, run_at);
    create table access_policy (
      id uuid primary key default gen_random_uuid(),
      organisation_id uuid not null references organisation(id),
      application_id uuid not null unique references application(id),
      categories text[] not null,
      networks text[] not null,
      valid_from date not null,
      valid_to date not null,
      status text not null default 'active',
      created_at timestamptz not null default now(),
      ended_at timestamptz
    );
    create index access_policy_org on access_policy(organisation_id, status);
    create table policy_exception (
      id uuid primary key default gen_random_uuid(),
      organisation_id uuid not null references organisation(id),
      application_id uuid not null unique references application(id),
      services jsonb not null,
      destinations text[] not null,
      networks text[] not null,
      expires_on date not null,
      status text not null default 'active',
      created_at timestamptz not null default now(),
      ended_at timestamptz
    );
    create index policy_exception_org on policy_exception(organisation_id, status);
    create table unknown_source (
      address inet primary key,
      first_seen timestamptz not null,
      last_seen timestamptz not null,
      hits bigint not null default 0,
      operator_id uuid references telecom_operator(id),
      state text not null default 'detected',
      notified_at timestamptz,
      block_due date,
      blocked_at timestamptz,
      resolved_at timestamptz,
      check (state in ('detected', 'notified', 'blocked', 'resolved'))
    );
    create index unknown_source_state on unknown_source(state, operator_id);
    create table eds_trust_anchor (
      id uuid primary key default gen_random_uuid(),
      name text not null,
      kind text not null check (kind in ('root', 'intermediate')),
      pem text not null,
      fingerprint_sha256 text not null unique,
      subject text not null,
      not_after timestamptz not null,
      created_at timestamptz not null default now(),
      created_by text not null
    );
  `.execute(db);
}
