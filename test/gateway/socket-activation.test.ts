/**
 * Socket activation (the TPROXY path: systemd binds the listener with IP_TRANSPARENT and hands it over). The
 * environment is parsed as sd_listen_fds(3) says; and a real gateway process serves transparent HTTP on a
 * listening socket it inherited as descriptor 3, as a `.socket` unit would give it — in the process itself, and
 * in the cluster workers of a primary that inherited it.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { spawn } from "node:child_process";
import { inheritedSockets, TRANSPARENT_HTTP_SOCKET } from "../../src/gateway/socket-activation.js";
import { listenerShare } from "../../src/gateway/cluster.js";
import { socketsBinding } from "../../src/gateway/native-sockets.js";
import { run } from "./world.js";

describe("socket activation", () => {
  test("ok/descriptors 3… by name, only for the process LISTEN_PID names", () => {
    const env = { LISTEN_PID: "4242", LISTEN_FDS: "2", LISTEN_FDNAMES: "qaqpa-transparent-http:qaqpa-transparent-tls" };
    assert.deepEqual([...inheritedSockets(env, 4242)], [["qaqpa-transparent-http", [3]], ["qaqpa-transparent-tls", [4]]]);
    assert.equal(inheritedSockets(env, 4243).size, 0, "another process's descriptors");
    assert.equal(inheritedSockets({ LISTEN_PID: "4242", LISTEN_FDS: "x" }, 4242).size, 0);
    assert.deepEqual([...inheritedSockets({ LISTEN_PID: "1", LISTEN_FDS: "1" }, 1)], [["fd3", [3]]], "unnamed");
    // One socket unit instance per worker: several descriptors of one name, in order.
    const many = { LISTEN_PID: "7", LISTEN_FDS: "3", LISTEN_FDNAMES: "qaqpa-transparent-tls:qaqpa-transparent-http:qaqpa-transparent-tls" };
    assert.deepEqual([...inheritedSockets(many, 7)], [["qaqpa-transparent-tls", [3, 5]], ["qaqpa-transparent-http", [4]]]);
  });

  test("ok/listenerShare: every descriptor has a worker, every worker a descriptor, shares differ by one at most", () => {
    for (let n = 1; n <= 9; n++) {
      const fds = Array.from({ length: n }, (_, i) => 3 + i);
      for (let workers = 1; workers <= 9; workers++) {
        const shares = Array.from({ length: workers }, (_, slot) => listenerShare(fds, slot, workers));
        const covered = shares.flat();
        assert.deepEqual([...new Set(covered)].sort((a, b) => a - b), fds, `${n} descriptors, ${workers} workers: all accepted on`);
        assert.ok(shares.every((s) => s.length >= 1), `${n}/${workers}: no idle worker`);
        if (n >= workers) {
          assert.equal(covered.length, n, `${n}/${workers}: no descriptor twice`);
          const sizes = shares.map((s) => s.length);
          assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${n}/${workers}: balanced ${sizes}`);
        }
      }
    }
    assert.deepEqual(listenerShare([], 0, 2), []);
  });

  /**
   * The listener systemd would have bound (here on 127.0.0.9), the origin the gateway dials (127.0.0.1, same
   * port: the original destination's port), and `script` started with the listener as its descriptor 3.
   */
  async function activated(script: string, check: (port: number, ready: string, pid: number) => Promise<void>, sockets = 1): Promise<string> {
    // Several sockets of one listener are a SO_REUSEPORT group on one port, as instances of a `ReusePort=yes`
    // socket unit template would be.
    const listeners: net.Server[] = [];
    let port = 0;
    for (let i = 0; i < sockets; i++) {
      const listener = net.createServer();
      if (sockets === 1) await new Promise<void>((r) => listener.listen(0, "127.0.0.9", r));
      else {
        const s = socketsBinding()!.reusePortSocket("127.0.0.9", port);
        port = s.port;
        await new Promise<void>((r) => listener.listen({ fd: s.fd }, r));
      }
      listeners.push(listener);
    }
    port = (listeners[0]!.address() as net.AddressInfo).port;
    const origin = http.createServer((req, res) => res.end(`activated origin ${req.headers.host} ${req.url}\n`));
    await new Promise<void>((r) => origin.listen(port, "127.0.0.1", r));
    const fds = listeners.map((l) => (l as unknown as { _handle: { fd: number } })._handle.fd);
    const names = fds.map(() => TRANSPARENT_HTTP_SOCKET).join(":");
    const child = spawn("sh", ["-c", `LISTEN_PID=$$ LISTEN_FDS=${fds.length} LISTEN_FDNAMES=${names} exec "${process.execPath}" --import tsx ${script}`], { stdio: ["ignore", "pipe", "inherit", ...fds] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    try {
      const ready = await new Promise<string>((resolve) => {
        child.stdout!.on("data", () => {
          if (out.includes("\n")) resolve(out);
        });
        child.once("exit", () => resolve(out));
      });
      for (const l of listeners) l.close(); // the child holds its own copies of the descriptors
      await check(port, ready.trim(), child.pid!);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      origin.closeAllConnections();
      await new Promise<void>((r) => origin.close(() => r()));
      for (const l of listeners) if (l.listening) l.close();
    }
    return out;
  }

  const served = async (port: number) => {
    const r = await run("curl", ["-sS", "--max-time", "10", "--resolve", `shop.example:${port}:127.0.0.9`, `http://shop.example:${port}/cart`]);
    assert.match(r.out, /activated origin shop\.example:\d+ \/cart/, r.err);
    const forged = await run("curl", ["-sS", "-i", "--max-time", "10", "-H", "Host: search.example", `http://127.0.0.9:${port}/`]);
    assert.match(forged.out, /^HTTP\/1\.1 403/);
    assert.match(forged.out, /x-qaqpa-reason: misdirected-request/i);
  };

  test("ok/a gateway process serves transparent HTTP on the listening socket it inherited", async () => {
    await activated("test/gateway/activated-gateway.ts", async (port, ready) => {
      assert.equal(ready, "ready");
      await served(port);
    });
  });

  test("ok/cluster workers accept on the primary's inherited socket, and their records reach the primary", async () => {
    const out = await activated("test/gateway/activated-cluster.ts", async (port, ready) => {
      assert.equal(ready, "ready 2");
      // Several connections: the kernel hands each to one of the workers.
      for (let i = 0; i < 3; i++) await served(port);
    });
    const records = JSON.parse(out.trim().split("\n").at(-1)!) as { host: string; reason: string; action: string }[];
    assert.equal(records.filter((r) => r.host === "shop.example" && r.action === "allow").length, 3, out);
    assert.equal(records.filter((r) => r.host === "search.example" && r.reason === "misdirected-request").length, 3, out);
  });

  /** Per listening socket on the port, the pids holding it (`ss -p`). */
  async function holders(port: number): Promise<number[][]> {
    const r = await run("ss", ["-Hltnp", `src 127.0.0.9:${port}`]);
    return r.out
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => [...l.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])));
  }

  /** Each socket held by exactly one worker (a process other than the primary), each worker on its own. */
  async function oneWorkerEach(port: number, primary: number, ms = 15_000): Promise<number[]> {
    const until = Date.now() + ms;
    let last: number[][] = [];
    while (Date.now() < until) {
      last = await holders(port);
      const workers = last.map((pids) => [...new Set(pids)].filter((p) => p !== primary));
      if (last.length === 2 && workers.every((w) => w.length === 1) && workers[0]![0] !== workers[1]![0]) return workers.map((w) => w[0]!);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`sockets and their holders: ${JSON.stringify(last)} (primary ${primary})`);
  }

  test(
    "ok/two sockets of one listener (ReusePort=yes instances): each worker accepts on its own, and a replacement takes over its predecessor's",
    { skip: socketsBinding() ? false : "the socket addon is not built" },
    async () => {
      await activated(
        "test/gateway/activated-cluster.ts",
        async (port, ready, primary) => {
          assert.equal(ready, "ready 2");
          const [first] = await oneWorkerEach(port, primary);
          // The kernel hashes each connection to one of the two sockets: a socket nobody accepted on would
          // leave its share unanswered until curl's time limit.
          for (let i = 0; i < 8; i++) await served(port);
          process.kill(first!, "SIGKILL");
          // Connections hashed to the dead worker's socket wait in its queue for the replacement.
          for (let i = 0; i < 8; i++) await served(port);
          const after = await oneWorkerEach(port, primary);
          assert.ok(!after.includes(first!), "the killed worker's socket is held by its replacement");
        },
        2,
      );
    },
  );
});
