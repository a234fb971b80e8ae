import type { World } from "../harness.js";

export type Req = { method: string; url: string; body?: unknown };

/** How to call one route as a role: on the caller's own scope, and on another operator's/organisation's data. */
export interface Case {
  own: (w: World) => Promise<Req> | Req;
  /** the same operation on the other operator's / organisation's data; omitted where the route has no scope */
  other?: (w: World) => Promise<Req> | Req;
  /** The case's object may not exist for every role (deleted by an earlier role, a reference with no record). */
  absent?: true;
}
