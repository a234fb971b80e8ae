/**
 * The policy service as its own process, so a test can kill -9 it. Configuration comes as JSON in
 * QAQPA_TEST_POLICY: { port, systems, configDir }. Prints "ready <port>" once it listens.
 */
import { MemoryAudit, MemoryMailSystemDirectory, MemoryOutbox } from "../../../src/mail/memory.js";
import type { MailSystem } from "../../../src/mail/ports.js";
import { MailPolicyService } from "../../../src/mail/policy/server.js";
import { PostfixQueue } from "../../../src/mail/postfix/queue.js";

const cfg = JSON.parse(process.env["QAQPA_TEST_POLICY"] ?? "{}") as { port: number; systems: MailSystem[]; configDir: string };
const service = new MailPolicyService({
  directory: new MemoryMailSystemDirectory(cfg.systems),
  outbox: new MemoryOutbox(),
  audit: new MemoryAudit(),
  queue: new PostfixQueue({ configDir: cfg.configDir }),
  stsAddress: "duty@sts.kz",
  port: cfg.port,
});
const { port } = await service.start();
process.stdout.write(`ready ${port}\n`);
process.on("SIGTERM", () => void service.close().then(() => process.exit(0)));
