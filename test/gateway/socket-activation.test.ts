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
import { run } from "./world.js";

describe("socket activation", () => {
  test("ok/descriptors 3… by name, only for the process LISTEN_PID names", () => {
    const env = { LISTEN_PID: "4242", LISTEN_FDS: "2", LISTEN_FDNAMES: "qaqpa-transparent-http:qaqpa-transparent-tls" };
    assert.deepEqual([...inheritedSockets(env, 4242)], [["qaqpa-transparent-http", 3], ["qaqpa-transparent-tls", 4]]);
    assert.equal(inheritedSockets(env, 4243).size, 0, "another process's descriptors");
    assert.equal(inheritedSockets({ LISTEN_PID: "4242", LISTEN_FDS: "x" }, 4242).size, 0);
    assert.deepEqual([...inheritedSockets({ LISTEN_PID: "1", LISTEN_FDS: "1" }, 1)], [["fd3", 3]], "unnamed");
  });

  /**
   * The listener systemd would have bound (here on 127.0.0.9), the origin the gateway dials (127.0.0.1, same
   * port: the original destination's port), and `script` started with the listener as its descriptor 3.
   */
  async function activated(script: string, check: (port: number, ready: string) => Promise<void>): Promise<string> {
    const listener = net.createServer();
    await new Promise<void>((r) => listener.listen(0, "127.0.0.9", r));
    const port = (listener.address() as net.AddressInfo).port;
    const origin = http.createServer((req, res) => res.end(`activated origin ${req.headers.host} ${req.url}\n`));
    await new Promise<void>((r) => origin.listen(port, "127.0.0.1", r));
    const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
    const child = spawn("sh", ["-c", `LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=${TRANSPARENT_HTTP_SOCKET} exec "${process.execPath}" --import tsx ${script}`], { stdio: ["ignore", "pipe", "inherit", fd] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    try {
      const ready = await new Promise<string>((resolve) => {
        child.stdout!.on("data", () => {
          if (out.includes("\n")) resolve(out);
        });
        child.once("exit", () => resolve(out));
      });
      listener.close(); // the child holds its own copy of the descriptor
      await check(port, ready.trim());
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      origin.closeAllConnections();
      await new Promise<void>((r) => origin.close(() => r()));
      if (listener.listening) listener.close();
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
});
