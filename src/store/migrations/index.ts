/**
 * Forward-only migrations, applied in version order. Adding one: a new numbered file and a line here.
 * Version ranges per subsystem keep parallel work from colliding:
 *   1–9 foundation · 10–19 gateway (policy, categories, detections, decision log) · 20–29 workflows ·
 *   30–39 mail gateway · 40–49 gateway CA · 50–59 multi-node (bus, gateway nodes)
 */
import type { Kysely } from "kysely";
import * as m0001 from "./0001_foundation.js";
import * as m0002 from "./0002_calendar_year.js";
import * as m0010 from "./0010_gateway.js";
import * as m0011 from "./0011_pinned_applications.js";
import * as m0020 from "./0020_workflows.js";
import * as m0030 from "./0030_mail.js";
import * as m0040 from "./0040_ca.js";
import * as m0050 from "./0050_bus.js";
import * as m0051 from "./0051_gateway_nodes.js";

export interface Migration {
  version: number;
  name: string;
  up(db: Kysely<any>): Promise<void>;
}

const ALL: Migration[] = [
  { version: 1, ...m0001 },
  { version: 2, ...m0002 },
  { version: 10, ...m0010 },
  { version: 11, ...m0011 },
  { version: 20, ...m0020 },
  { version: 30, ...m0030 },
  { version: 40, ...m0040 },
  { version: 50, ...m0050 },
  { version: 51, ...m0051 },
];

export const MIGRATIONS: Migration[] = [...ALL].sort((a, b) => a.version - b.version);
