/** A test client for plain HTTP/1.1 inside a CONNECT tunnel, one keep-alive request at a time. */
import assert from "node:assert/strict";
import net from "node:net";

/**
 * A raw socket through the proxy's CONNECT to `target`, paused right after the 200 with nothing of the tunnel
 * read: for a TLS client (or a test's own bytes) on top. Rejects with the head of any other answer.
 */
export async function connectTunnel(port: number, target: string): Promise<net.Socket> {
  const s = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    let got = "";
    const onData = (d: Buffer) => {
      got += d.toString("latin1");
      if (!got.includes("\r\n\r\n")) return;
      s.off("data", onData);
      s.pause();
      if (/^HTTP\/1\.1 200/.test(got)) resolve();
      else reject(new Error(got));
    };
    s.on("data", onData);
  });
  return s;
}

/** A CONNECT tunnel carrying plain HTTP/1.1 keep-alive requests, read one response at a time. */
export class Tunnel {
  #buf = Buffer.alloc(0);
  #wait: (() => void) | null = null;
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on("data", (c: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, c]);
      this.#wait?.();
    });
    socket.on("close", () => {
      this.closed = true;
      this.#wait?.();
    });
  }
  static async open(port: number, target: string): Promise<Tunnel> {
    const s = net.connect({ port, host: "127.0.0.1" });
    await new Promise<void>((r, j) => s.once("connect", r).once("error", j));
    const t = new Tunnel(s);
    s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    const head = await t.#read((b) => (b.indexOf("\r\n\r\n") >= 0 ? b.indexOf("\r\n\r\n") + 4 : 0));
    assert.match(head, /^HTTP\/1\.1 200/);
    return t;
  }
  async #read(len: (b: Buffer) => number): Promise<string> {
    for (;;) {
      const n = len(this.#buf);
      if (n > 0) {
        const out = this.#buf.subarray(0, n).toString("latin1");
        this.#buf = this.#buf.subarray(n);
        return out;
      }
      if (this.closed) throw new Error("tunnel closed");
      await new Promise<void>((r) => (this.#wait = r));
    }
  }
  /** One GET; the status code of its response. */
  async get(host: string, path: string): Promise<number> {
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    const res = await this.#read((b) => {
      const h = b.indexOf("\r\n\r\n");
      if (h < 0) return 0;
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(b.subarray(0, h).toString("latin1"));
      const total = h + 4 + Number(cl?.[1] ?? 0);
      return b.length >= total ? total : 0;
    });
    return Number(res.slice(9, 12));
  }
}
