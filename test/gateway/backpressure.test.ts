/**
 * Backpressure on both legs, so one connection's memory stays bounded whatever its peers do: a client that
 * uploads to an origin that never reads, an origin that floods a client that never reads, and a client that
 * pipelines requests while its first one waits. Without backpressure the gateway would take every byte
 * offered into its own memory; with it, only what the kernel's socket buffers hold between the peers
 * (a few MiB on loopback) gets past the writer before it is held up.
 *
 * Each test offers far more than those buffers (OFFERED) and checks that the writer got at most BOUND into
 * the kernel while the far end stalls — and at least a little, so a connection that never flowed cannot pass.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startTestGateway, type TestGateway } from "./world.js";

const NAMES = ["shop.example", "social.example"];
const MiB = 1024 * 1024;
const OFFERED = 512 * MiB;
const BOUND = 64 * MiB;
const STALL_MS = 1500;
const CHUNK = Buffer.alloc(256 * 1024, 0x61);

/**
 * Writes CHUNK after CHUNK, each only once the previous one was taken (write() returned true or "drain"), and
 * counts the bytes the kernel accepted (write callbacks). Stops at `limit`, on close, or when stopped.
 */
function pump(s: net.Socket, limit: number): { flushed(): number; stop(): void } {
  let flushed = 0;
  let offered = 0;
  let stopped = false;
  const next = (): void => {
    while (!stopped && !s.destroyed && offered < limit) {
      offered += CHUNK.length;
      const more = s.write(CHUNK, (e) => {
        if (!e) flushed += CHUNK.length;
      });
      if (!more) return void s.once("drain", next);
    }
  };
  s.on("error", () => {});
  next();
  return { flushed: () => flushed, stop: () => void (stopped = true) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An origin whose connections are held open and never read after the request head; bytes it did read. */
async function stallingOrigin(): Promise<{ port: number; received(): number; close(): Promise<void> }> {
  let received = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((s) => {
    open.add(s);
    s.on("error", () => {});
    s.once("data", (c: Buffer) => {
      received += c.length;
      s.pause();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => received,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** An origin that answers any request with a body of OFFERED bytes, as fast as its socket takes it (TLS with `tlsOptions`). */
async function floodingOrigin(tlsOptions?: tls.TlsOptions): Promise<{ port: number; flushed(): number; close(): Promise<void> }> {
  const pumps: { flushed(): number; stop(): void }[] = [];
  const open = new Set<net.Socket>();
  const onSocket = (s: net.Socket) => {
    open.add(s);
    s.on("error", () => {});
    s.once("data", () => {
      s.write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + OFFERED + "\r\n\r\n");
      pumps.push(pump(s, OFFERED));
    });
  };
  const server = tlsOptions ? tls.createServer(tlsOptions, onSocket) : net.createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    flushed: () => pumps.reduce((t, p) => t + p.flushed(), 0),
    close: async () => {
      for (const p of pumps) p.stop();
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) => {
    s.once("connect", resolve);
    s.once("error", reject);
  });
  return s;
}

/** Reads until the head of a response has arrived, then stops reading; resolves with the status line. */
function headThenStall(s: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    const onData = (c: Buffer) => {
      got += c.toString("latin1");
      const at = got.indexOf("\r\n\r\n");
      if (at >= 0) {
        s.off("data", onData);
        s.pause();
        resolve(got.slice(0, got.indexOf("\r\n")));
      }
    };
    s.on("data", onData);
    s.once("error", reject);
  });
}

describe("backpressure: one connection's buffers stay bounded", () => {
  let t: TestGateway;
  let stall: Awaited<ReturnType<typeof stallingOrigin>>;
  let flood: Awaited<ReturnType<typeof floodingOrigin>>;
  let tlsFlood: Awaited<ReturnType<typeof floodingOrigin>>;
  const sockets: net.Socket[] = [];
  before(async () => {
    t = await startTestGateway({ names: NAMES, hosts: Object.fromEntries(NAMES.map((n) => [n, ["127.0.0.1"]])) });
    stall = await stallingOrigin();
    flood = await floodingOrigin();
    tlsFlood = await floodingOrigin({ key: readFileSync(join(t.origins.dir, "site.key")), cert: readFileSync(join(t.origins.dir, "site.pem")) });
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await stall.close();
    await flood.close();
    await tlsFlood.close();
    await t.close();
  });

  test("ok/an upload through the explicit proxy to an origin that stops reading holds the client up", async () => {
    const c = await connect(t.port);
    sockets.push(c);
    c.write(`POST http://shop.example:${stall.port}/upload HTTP/1.1\r\nHost: shop.example:${stall.port}\r\nContent-Length: ${OFFERED}\r\n\r\n`);
    const p = pump(c, OFFERED);
    await sleep(STALL_MS);
    p.stop();
    assert.ok(stall.received() > 0, "the request reached the origin");
    assert.ok(p.flushed() >= MiB, `the body flowed at first (${p.flushed()} bytes)`);
    assert.ok(p.flushed() < BOUND, `the client was held up after ${(p.flushed() / MiB).toFixed(1)} MiB of ${OFFERED / MiB} MiB offered`);
  });

  test("ok/a spliced CONNECT tunnel to an origin that stops reading holds the client up", async () => {
    // social.example has no URL-path entries: its tunnel is spliced after the first request.
    const c = await connect(t.port);
    sockets.push(c);
    c.write(`CONNECT social.example:${stall.port} HTTP/1.1\r\nHost: social.example:${stall.port}\r\n\r\n`);
    assert.match(await headThenStall(c), /^HTTP\/1\.1 200/);
    c.resume();
    c.write(`POST /upload HTTP/1.1\r\nHost: social.example:${stall.port}\r\nContent-Length: ${OFFERED}\r\n\r\n`);
    const p = pump(c, OFFERED);
    await sleep(STALL_MS);
    p.stop();
    assert.ok(p.flushed() >= MiB, `the body flowed at first (${p.flushed()} bytes)`);
    assert.ok(p.flushed() < BOUND, `the client was held up after ${(p.flushed() / MiB).toFixed(1)} MiB`);
  });

  test("ok/an origin flooding a client that stops reading is held up", async () => {
    const before = flood.flushed();
    const c = await connect(t.port);
    sockets.push(c);
    c.write(`GET http://shop.example:${flood.port}/big HTTP/1.1\r\nHost: shop.example:${flood.port}\r\n\r\n`);
    assert.match(await headThenStall(c), /^HTTP\/1\.1 200/);
    await sleep(STALL_MS);
    const sent = flood.flushed() - before;
    assert.ok(sent >= MiB, `the body flowed at first (${sent} bytes)`);
    assert.ok(sent < BOUND, `the origin was held up after ${(sent / MiB).toFixed(1)} MiB of ${OFFERED / MiB} MiB`);
  });

  test("ok/an origin flooding a spliced CONNECT tunnel whose client stops reading is held up", async () => {
    const before = flood.flushed();
    const c = await connect(t.port);
    sockets.push(c);
    c.write(`CONNECT social.example:${flood.port} HTTP/1.1\r\nHost: social.example:${flood.port}\r\n\r\n`);
    assert.match(await headThenStall(c), /^HTTP\/1\.1 200/);
    c.resume();
    c.write(`GET /big HTTP/1.1\r\nHost: social.example:${flood.port}\r\n\r\n`);
    assert.match(await headThenStall(c), /^HTTP\/1\.1 200/);
    await sleep(STALL_MS);
    const sent = flood.flushed() - before;
    assert.ok(sent >= MiB, `the body flowed at first (${sent} bytes)`);
    assert.ok(sent < BOUND, `the origin was held up after ${(sent / MiB).toFixed(1)} MiB of ${OFFERED / MiB} MiB`);
  });

  test("ok/an origin flooding a bumped (decrypted) connection whose client stops reading is held up", async () => {
    const raw = await connect(t.port);
    sockets.push(raw);
    raw.write(`CONNECT shop.example:${tlsFlood.port} HTTP/1.1\r\nHost: shop.example:${tlsFlood.port}\r\n\r\n`);
    assert.match(await headThenStall(raw), /^HTTP\/1\.1 200/);
    const c = tls.connect({ socket: raw, servername: "shop.example", ca: readFileSync(t.rootFile), ALPNProtocols: ["http/1.1"] });
    c.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      c.once("secureConnect", resolve);
      c.once("error", reject);
    });
    c.write(`GET /big HTTP/1.1\r\nHost: shop.example:${tlsFlood.port}\r\n\r\n`);
    const status = await new Promise<string>((resolve) => {
      let got = "";
      const onData = (d: Buffer) => {
        got += d.toString("latin1");
        if (got.includes("\r\n\r\n")) {
          c.off("data", onData);
          c.pause();
          resolve(got.slice(0, got.indexOf("\r\n")));
        }
      };
      c.on("data", onData);
    });
    assert.match(status, /^HTTP\/1\.1 200/);
    await sleep(STALL_MS);
    const sent = tlsFlood.flushed();
    assert.ok(sent >= MiB, `the body flowed at first (${sent} bytes)`);
    assert.ok(sent < BOUND, `the origin was held up after ${(sent / MiB).toFixed(1)} MiB of ${OFFERED / MiB} MiB`);
    c.destroy();
  });

  test("ok/a client pipelining requests while its first one waits is held up (heads are not buffered without bound)", async () => {
    const c = await connect(t.port);
    sockets.push(c);
    c.write(`GET http://shop.example:${stall.port}/wait HTTP/1.1\r\nHost: shop.example:${stall.port}\r\n\r\n`);
    const p = pump(c, OFFERED);
    await sleep(STALL_MS);
    p.stop();
    assert.ok(p.flushed() < BOUND, `the client was held up after ${(p.flushed() / MiB).toFixed(1)} MiB`);
  });
});
