import { sql, type Kysely } from "kysely";

export const name = "pinned_applications";

/**
 * STS decisions on pinned-application candidates: destinations whose clients refuse the gateway's certificate
 * (certificate pinning). Approved ones are spliced instead of bumped — how a flow passes, never whether. The
 * candidates themselves are aggregates of the decision log; only the decision is stored here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table pinned_application (
      host text primary key,
      status text not null check (status in ('approved', 'rejected')),
      reason text not null,
      decided_by text not null,
      decided_at timestamptz not null default now()
    )
  `.execute(db);
  // The review aggregates refusals per host out of a large log: a partial index keeps that to the few rows.
  await sql`create index decision_log_pinned_candidates on decision_log (host) where reason in ('client-rejected-certificate', 'client-certificate-required')`.execute(db);
}
