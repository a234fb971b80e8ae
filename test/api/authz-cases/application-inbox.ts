/** Authorisation cases of the application inbox (every role reads its own scope: a filter naming another organisation finds nothing, never an error). */
import type { Case } from "./types.js";

export const CASES: Record<string, Case> = {
  "GET /api/application-inbox": { own: () => ({ method: "GET", url: "/api/application-inbox?overdue=true" }) },
  "GET /api/application-inbox.csv": { own: () => ({ method: "GET", url: "/api/application-inbox.csv?kind=access-policy" }) },
};
