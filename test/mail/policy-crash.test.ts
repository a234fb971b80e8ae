/**
 * Fail safe, lose nothing (architecture principle 4): the policy service is killed with SIGKILL in the
 * middle of a burst. Postfix's policy client finds the service gone and applies default_action
 * DEFER_IF_PERMIT, so the senders get 4xx and keep their messages; they retry, the service comes back,
 * and every message arrives at the destination exactly once.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { freePort, peerSkipReason, startGateway, SYS_A_IP, SYS_B_IP, type Gateway } from "./peer/harness.js";
import { SmtpClient, buildMessage } from "../../src/mail/testing/smtp-client.js";

const skip = await peerSkipReason();
const N = 90;

describe("kill -9 of the policy service mid-burst", { skip }, () => {
  let g: Gateway;
  let port: number;
  let child: ChildProcess | undefined;

  async function startPolicy(): Promise<ChildProcess> {
    const p = spawn(process.execPath, ["--import", "tsx", new URL("./peer/policy-child.ts", import.meta.url).pathname], {
      env: { ...process.env, QAQPA_TEST_POLICY: JSON.stringify({ port, systems: g.systems, configDir: g.instance.configDir }) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      let out = "";
      p.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("ready ")) resolve();
      });
      p.once("exit", (code) => reject(new Error(`policy service exited early (${code})`)));
    });
    return p;
  }

  before(async () => {
    port = await freePort();
    g = await startGateway({ policy: { port } });
    child = await startPolicy();
  });
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await g?.close();
  });

  test("ok/every message is delivered exactly once; senders saw tempfails, never a loss", async () => {
    let accepted = 0;
    let tempfails = 0;
    let killed = false;
    const failures: string[] = [];
    const sendAll = async (worker: number, ids: string[], local: string, from: string): Promise<void> => {
      let client: SmtpClient | undefined;
      for (const id of ids) {
        const deadline = Date.now() + 60_000;
        for (;;) {
          try {
            client ??= await SmtpClient.connect({ host: "127.0.0.1", port: g.smtpPort, localAddress: local, timeoutMs: 30_000 });
            const to = `${id.split("@")[0]}@internet.test`;
            const r = await client.send({ from, to: [to], data: buildMessage({ from, to: [to], subject: `burst ${worker}`, messageId: id }) });
            if (r.ok) {
              accepted++;
              break;
            }
            if (r.code >= 500) {
              failures.push(`${id}: ${r.code} ${r.text}`);
              break;
            }
            tempfails++;
          } catch {
            client?.close();
            client = undefined;
          }
          if (Date.now() > deadline) {
            failures.push(`${id}: not accepted within a minute`);
            break;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
        if (!killed && accepted >= N / 4) {
          killed = true;
          child!.kill("SIGKILL");
          // Bring it back a little later, as the service manager would.
          setTimeout(() => {
            void startPolicy().then((p) => (child = p));
          }, 2_000);
        }
      }
      await client?.quit();
    };
    const ids = Array.from({ length: N }, (_, i) => `crash-${i}@test`);
    await Promise.all([
      sendAll(0, ids.filter((_, i) => i % 3 === 0), SYS_A_IP, "clerk@a.gov.kz"),
      sendAll(1, ids.filter((_, i) => i % 3 === 1), SYS_A_IP, "clerk@a.gov.kz"),
      sendAll(2, ids.filter((_, i) => i % 3 === 2), SYS_B_IP, "clerk@b.gov.kz"),
    ]);
    assert.deepEqual(failures, []);
    assert.ok(killed);
    assert.ok(tempfails > 0, "the outage was hit: some submissions were tempfailed");
    assert.equal(accepted, N);
    await g.internet.waitFor(N, 60_000);
    await new Promise((r) => setTimeout(r, 2_000)); // a duplicate would arrive now
    const got = g.internet.messageIds().sort();
    assert.equal(got.length, N);
    assert.deepEqual(got, [...ids].sort());
  });
});
