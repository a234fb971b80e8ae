/**
 * A control-plane consumer in its own process, for the crash test: it commits node batches and, right after
 * committing the KILL_AT-th one and before acknowledging it, kills itself with SIGKILL — the window in which a
 * crash would duplicate rows if commits were not idempotent.
 */
import { openStore } from "../../src/store/db.js";
import { connectNatsBus } from "../../src/bus/nats.js";
import { startControlPlaneBus } from "../../src/bus/control-plane.js";

const env = process.env;
const store = await openStore({ databaseUrl: env.DB_URL!, schema: env.DB_SCHEMA!, migrate: false });
const bus = await connectNatsBus({ servers: [env.NATS_URL!], namespace: env.BUS_NS!, name: "crash-test consumer", ackWaitMs: 2000 });
let n = 0;
await startControlPlaneBus({
  bus,
  db: store.db,
  snapshot: () => null,
  onBatch(b) {
    process.stdout.write(`committed ${b.id}\n`);
    if (++n === Number(env.KILL_AT)) process.kill(process.pid, "SIGKILL");
  },
});
