import { sql, type Kysely } from "kysely";

export const name = "gateway_nodes";

/**
 * Enrolled gateway nodes (multi-node mode, src/services/gateway-nodes.ts): one credential per node instead of
 * one shared by all, so one node can be rotated or cut off alone. The credential (32 random bytes) is sealed
 * under the master key, bound to the node and its generation; after a rotation the previous one stays valid
 * until `previous_valid_until` (the node is restarted with the new file in the meantime). `version` grows on
 * every change: the control plane's credential cache reloads when the sum of versions moves.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table gateway_node (
      id text primary key check (id ~ '^[A-Za-z0-9_-]{1,64}$'),
      state text not null check (state in ('active', 'revoked')),
      -- qs1.… AES-256-GCM under the master key, context gateway-node-credential:<id>:<generation>
      sealed_credential text not null,
      generation int not null default 1,
      -- the credential of generation - 1, accepted until previous_valid_until (the rotation overlap)
      sealed_previous_credential text,
      previous_valid_until timestamptz,
      created_at timestamptz not null,
      rotated_at timestamptz,
      revoked_at timestamptz,
      version int not null default 1,
      check ((state = 'revoked') = (revoked_at is not null)),
      check ((sealed_previous_credential is null) = (previous_valid_until is null))
    );
  `.execute(db);
}
