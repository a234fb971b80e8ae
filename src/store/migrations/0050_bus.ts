import { sql, type Kysely } from "kysely";

export const name = "bus";

/**
 * Node batches committed by the control plane (multi-node mode, src/bus/control-plane.ts). A batch's rows and
 * its id are committed in one transaction and the bus message is acknowledged after it: a batch delivered again
 * (the control plane crashed between commit and acknowledgement) finds its id here and is not applied twice.
 * Ids older than the stream's retention are pruned.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table bus_batch (
      id text primary key,
      node text not null,
      records int not null,
      committed_at timestamptz not null default now()
    );
    create index bus_batch_committed_at on bus_batch(committed_at);
  `.execute(db);
}
