import { sql, type Kysely } from "kysely";

export const name = "calendar_year";

/** Year data that STS adds or corrects through the API (same format as the shipped data files). */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table calendar_year (
      year int primary key,
      data jsonb not null,
      updated_at timestamptz not null default now(),
      updated_by text not null
    );
  `.execute(db);
}
