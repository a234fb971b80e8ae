import net from "node:net";
import { randomBytes } from "node:crypto";
import { destroyNamespace } from "../../src/bus/nats.js";

export const NATS_URL = process.env.QAQPA_TEST_NATS_URL ?? "nats://127.0.0.1:4222";

/** Whether a NATS server answers at NATS_URL; the suites skip with this message when it does not. */
export async function natsSkip(): Promise<false | string> {
  const u = new URL(NATS_URL.replace(/^nats:/, "http:"));
  const up = await new Promise<boolean>((resolve) => {
    const s = net.connect(Number(u.port || 4222), u.hostname);
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
  return up ? false : `no NATS server at ${NATS_URL} (scripts/install-deps.sh starts nats-server with JetStream)`;
}

/** A namespace of its own for each test run: streams and buckets nobody else uses; removed by cleanup(). */
export function testNamespace(prefix: string) {
  const namespace = `t_${prefix}_${randomBytes(5).toString("hex")}`;
  return { namespace, cleanup: () => destroyNamespace([NATS_URL], namespace) };
}

/** Poll until cond() holds (the state a test waits for arrives over the bus); fails with `what` after ms. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A loopback port nothing listens on (a NATS server that is down). */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}
