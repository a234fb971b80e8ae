/** Forward-only migrations, applied in order. Adding one: a new numbered file and a line here. */
import type { Kysely } from "kysely";
import * as m0001 from "./0001_foundation.js";
import * as m0002 from "./0002_calendar_year.js";

export interface Migration {
  version: number;
  name: string;
  up(db: Kysely<any>): Promise<void>;
}

export const MIGRATIONS: Migration[] = [
  { version: 1, ...m0001 },
  { version: 2, ...m0002 },
];
