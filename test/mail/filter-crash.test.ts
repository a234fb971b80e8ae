/**
 * kill -9 of the authentication filter in the middle of a burst: the filter sits after Postfix's queue and
 * answers a message only once its re-injection was accepted, so a killed filter loses nothing — Postfix
 * keeps every message it had not been answered for and hands it over again to the restarted filter. A
 * message re-injected in the instant before the kill, but not yet answered, is delivered twice; that can
 * only be one of the deliveries in flight (Postfix runs at most 20 to the filter). The deferred hand-overs
 * during the outage are not counted against the systems (no suspension for the defer share).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { freePort, peerSkipReason, startGateway, SYS_A_IP, SYS_B_IP, until, type Gateway } from "./peer/harness.js";
import { SmtpClient, buildMessage } from "../../src/mail/testing/smtp-client.js";

const skip = await peerSkipReason();
const N = 90;

describe("kill -9 of the authentication filter mid-burst", { skip }, () => {
  let g: Gateway;
  let port: number;
  let reinjectPort: number;
  let child: ChildProcess | undefined;

  async function startFilter(): Promise<ChildProcess> {
    const p = spawn(process.execPath, ["--import", "tsx", new URL("./peer/filter-child.ts", import.meta.url).pathname], {
      env: { ...process.env, QAQPA_TEST_FILTER: JSON.stringify({ port, reinjectPort, systems: g.systems }) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      let out = "";
      p.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("ready ")) resolve();
      });
      p.once("exit", (code) => reject(new Error(`filter exited early (${code})`)));
    });
    return p;
  }

  before(async () => {
    port = await freePort();
    reinjectPort = await freePort();
    g = await startGateway({ policy: "in-process", externalFilter: { port, reinjectPort } });
    child = await startFilter();
  });
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await g?.close();
  });

  test("ok/no message is lost; duplicates only among the deliveries in flight at the kill", async (t) => {
    const ids = Array.from({ length: N }, (_, i) => `fcrash-${i}@test`);
    const send = async (part: string[], local: string, from: string) => {
      const c = await SmtpClient.connect({ host: "127.0.0.1", port: g.smtpPort, localAddress: local });
      for (const id of part) {
        const to = `${id.split("@")[0]}@internet.test`;
        const r = await c.send({ from, to: [to], data: buildMessage({ from, to: [to], subject: "burst", messageId: id }) });
        assert.ok(r.ok, JSON.stringify(r)); // the filter is after the queue: senders never see it fail
      }
      await c.quit();
    };
    const sending = Promise.all([
      send(ids.filter((_, i) => i % 3 === 0), SYS_A_IP, "clerk@a.gov.kz"),
      send(ids.filter((_, i) => i % 3 === 1), SYS_A_IP, "clerk@a.gov.kz"),
      send(ids.filter((_, i) => i % 3 === 2), SYS_B_IP, "clerk@b.gov.kz"),
    ]);
    await until(() => g.internet.messages.length >= N / 4, 60_000, "a quarter delivered");
    child!.kill("SIGKILL");
    const atKill = g.internet.messages.length;
    await sending;
    await new Promise((r) => setTimeout(r, 1_000));
    child = await startFilter();
    await g.instance.flush();
    await until(() => new Set(g.internet.messageIds()).size >= N, 90_000, "every message delivered").catch(async (e: Error) => {
      const q = await g.instance.queue.list();
      throw new Error(`${e.message}: ${new Set(g.internet.messageIds()).size} of ${N} delivered; queue ${JSON.stringify(q.map((m) => [m.queueName, m.recipients]))}`);
    });
    await new Promise((r) => setTimeout(r, 2_000)); // a late duplicate would arrive now
    const got = g.internet.messageIds();
    assert.deepEqual([...new Set(got)].sort(), [...ids].sort(), "no message lost");
    // The outage deferred the hand-overs to the filter; those say nothing about the systems' receivers and
    // must not trip the defer-share limit (a filter outage would otherwise suspend every system).
    assert.deepEqual([g.policy!.state("sys-a").suspended, g.policy!.state("sys-b").suspended], [false, false]);
    const duplicates = got.length - N;
    t.diagnostic(`killed after ${atKill} deliveries; ${duplicates} duplicate(s)`);
    assert.ok(duplicates <= 20, `duplicates (${duplicates}) exceed the deliveries that can be in flight to the filter`);
    assert.ok(got.every((_, i) => /^DKIM-Signature: /m.test(g.internet.messages[i]!.data.toString("latin1"))), "every delivered message went through the filter and was signed");
  });
});
