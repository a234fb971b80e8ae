import { sql, type Kysely } from "kysely";

export const name = "mail";

/**
 * The unified e-mail gateway (UGEM): connected mail systems and their domains, suspensions (UGEM p.12),
 * delivery statistics from the Postfix log, and the authentication results of inbound mail (metadata only).
 *
 * A mail system is one organisation's mail server(s): the addresses it sends from and the host inbound mail
 * goes to. Each connected domain is a row of `mail_domain`, keyed by the application that connected it
 * (mail-gateway-connection, UGEM p.9), with its DKIM selector and sealed private key. An organisation that
 * connects a second domain served by the same server gets the domain added to the same system.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table mail_system (
      id uuid primary key default gen_random_uuid(),
      organisation_id uuid not null references organisation(id),
      name text not null,
      owner text not null,
      owner_email text not null,
      server_addresses text[] not null,
      inbound_host text not null,
      inbound_port int not null check (inbound_port between 1 and 65535),
      status text not null check (status in ('active', 'suspended', 'disconnected')),
      -- per-system detector limits set by STS (subset of DetectorLimits)
      limits jsonb not null default '{}',
      connected_at timestamptz not null,
      disconnected_at timestamptz,
      disconnect_reason text,
      updated_at timestamptz not null default now(),
      check ((status = 'disconnected') = (disconnected_at is not null))
    );
    create index mail_system_organisation on mail_system(organisation_id);
    create index mail_system_status on mail_system(status);

    create table mail_domain (
      id uuid primary key default gen_random_uuid(),
      mail_system_id uuid not null references mail_system(id),
      application_id uuid not null unique references application(id),
      domain text not null,
      dkim_selector text not null,
      -- qs1.… AES-256-GCM under the master key, context dkim-key:<mail_domain id>; never selected for views
      dkim_sealed_key text not null,
      -- SubjectPublicKeyInfo PEM: the record to publish is derived from it
      dkim_public_key text not null,
      connected_at timestamptz not null,
      disconnected_at timestamptz
    );
    -- one connected domain belongs to one system at a time
    create unique index mail_domain_connected on mail_domain(domain) where disconnected_at is null;
    create index mail_domain_system on mail_domain(mail_system_id);

    create table mail_suspension (
      id uuid primary key default gen_random_uuid(),
      mail_system_id uuid not null references mail_system(id),
      since timestamptz not null,
      reasons jsonb not null default '[]',
      -- 'detector' or the account id that suspended
      suspended_by text not null,
      note text,
      -- the detector's counters when it was suspended
      counters jsonb not null default '{}',
      held_queue_ids text[] not null default '{}',
      released_at timestamptz,
      released_by text,
      released_count int,
      deleted_at timestamptz,
      deleted_by text,
      deleted_count int
    );
    -- at most one open suspension per system
    create unique index mail_suspension_open on mail_suspension(mail_system_id) where released_at is null;
    create index mail_suspension_since on mail_suspension(since desc);

    -- Delivery outcomes per system and hour, from the Postfix log (status=sent/deferred/bounced/expired…).
    create table mail_delivery_stat (
      mail_system_id uuid not null references mail_system(id),
      hour timestamptz not null,
      sent int not null default 0,
      deferred int not null default 0,
      bounced int not null default 0,
      other int not null default 0,
      primary key (mail_system_id, hour)
    );

    -- SPF / DKIM / DMARC results of inbound messages: metadata only, never bodies or other headers.
    create table mail_auth_result (
      id uuid primary key default gen_random_uuid(),
      received_at timestamptz not null,
      mail_system_id uuid references mail_system(id),
      client_address text not null,
      helo text,
      mail_from text,
      header_from_domain text,
      message_id text,
      spf text not null,
      dkim text not null,
      dkim_domains text[] not null default '{}',
      dmarc text not null,
      dmarc_policy text
    );
    create index mail_auth_result_system on mail_auth_result(mail_system_id, received_at desc);
  `.execute(db);
}
