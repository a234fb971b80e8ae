/**
 * A cluster worker that dies with connections still in its accept queue (each worker has a listening socket of
 * its own). With net.ipv4.tcp_migrate_req = 1 — what deploy/sysctl.d sets and `qaqpa doctor` checks — the
 * kernel moves them to a live worker's socket and every client is answered; with the kernel's default they are
 * reset. Each case runs in a network namespace of its own (see worker-death-scenario.ts), so the machine's
 * setting is left alone.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { socketsBinding } from "../../src/gateway/native-sockets.js";

const why = !socketsBinding()
  ? "the socket addon is not built"
  : process.getuid?.() !== 0
    ? "needs root for a network namespace of its own"
    : !existsSync("/proc/sys/net/ipv4/tcp_migrate_req")
      ? "the kernel has no net.ipv4.tcp_migrate_req (Linux 5.14+)"
      : spawnSync("unshare", ["-n", "true"]).status !== 0
        ? "unshare -n is not permitted here"
        : false;

interface Outcome {
  clients: number;
  answeredBefore: number;
  answered: number;
  reset: number;
  closed: number;
}

const scenario = (migrate: 0 | 1) =>
  new Promise<Outcome>((resolve, reject) => {
    execFile("unshare", ["-n", process.execPath, "--import", "tsx", "test/gateway/worker-death-scenario.ts", String(migrate)], { timeout: 60_000 }, (err, out, errOut) => {
      if (err) return reject(new Error(`${err.message}\n${errOut}`));
      const line = out.trim().split("\n").at(-1) ?? "";
      try {
        resolve(JSON.parse(line) as Outcome);
      } catch {
        reject(new Error(`no outcome in ${JSON.stringify(out)} ${errOut}`));
      }
    });
  });

test("ok/with tcp_migrate_req, the connections queued at a worker that dies are answered by the other", { skip: why }, async () => {
  const o = await scenario(1);
  // Some connections did wait at the stopped worker (all 32 hashed to the live one: p = 2^-32).
  assert.ok(o.answeredBefore < o.clients, `some waited at the stopped worker: ${JSON.stringify(o)}`);
  assert.ok(o.answeredBefore > 0, `the live worker answered its share meanwhile: ${JSON.stringify(o)}`);
  assert.equal(o.answered, o.clients, `every client answered: ${JSON.stringify(o)}`);
});

test("ok/without it (the kernel's default) those connections are reset: the setting is what saves them", { skip: why }, async () => {
  const o = await scenario(0);
  assert.ok(o.answeredBefore < o.clients, `some waited at the stopped worker: ${JSON.stringify(o)}`);
  assert.equal(o.answered, o.answeredBefore, `nothing answered after the kill: ${JSON.stringify(o)}`);
  assert.equal(o.reset + o.closed, o.clients - o.answeredBefore, JSON.stringify(o));
  assert.ok(o.reset > 0, JSON.stringify(o));
});
