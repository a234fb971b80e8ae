/**
 * The authentication filter as its own process, so a test can kill -9 it. Configuration comes as JSON in
 * QAQPA_TEST_FILTER: { port, reinjectPort, systems }. It signs for every system's domains with keys made at
 * start. Prints "ready <port>" once it listens.
 */
import { AuthFilter } from "../../../src/mail/auth/filter.js";
import { generateDkimKey } from "../../../src/mail/auth/dkim-keys.js";
import { createInboundVerifier, createOutboundSigner } from "../../../src/mail/auth/mailauth.js";
import type { MailSystem } from "../../../src/mail/ports.js";
import { compileMailSnapshot } from "../../../src/mail/policy/snapshot.js";
import { classifyBySnapshot } from "../../../src/mail/auth/filter.js";

const cfg = JSON.parse(process.env["QAQPA_TEST_FILTER"] ?? "{}") as { port: number; reinjectPort: number; systems: MailSystem[] };
const snapshot = compileMailSnapshot(cfg.systems);
const keys = new Map(await Promise.all(cfg.systems.flatMap((s) => s.domains).map(async (d) => [d, await generateDkimKey(d, "crash")] as const)));
const filter = new AuthFilter({
  port: cfg.port,
  reinject: { host: "127.0.0.1", port: cfg.reinjectPort },
  classify: classifyBySnapshot(() => snapshot),
  signer: createOutboundSigner((d) => keys.get(d)),
  verifier: createInboundVerifier({ authservId: "ugem.test.kz", resolver: async () => [] }),
});
const port = await filter.start();
process.stdout.write(`ready ${port}\n`);
process.on("SIGTERM", () => void filter.close().then(() => process.exit(0)));
