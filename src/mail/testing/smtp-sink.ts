/**
 * A small SMTP server that records what it receives: the organisation's mail server and the "Internet"
 * in the real-peer tests and the benchmark. It speaks enough of RFC 5321 for Postfix's smtp client
 * (EHLO with PIPELINING, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) and can be told to
 * tempfail recipients, to keep mail in Postfix's queue.
 *
 *   greeting ─▶ command ──DATA/354──▶ data (until CRLF.CRLF) ──250──▶ command … QUIT
 *
 * Commands are answered strictly in order, so pipelined commands (Postfix sends MAIL, RCPT… in one write
 * when PIPELINING is offered) are handled by the same loop.
 */
import { createServer, type Server, type Socket } from "node:net";

export interface SinkMessage {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly data: Buffer;
  readonly messageId: string | undefined;
  readonly remoteAddress: string | undefined;
  readonly receivedAt: number;
  /** EHLO/HELO argument of the session. */
  readonly helo: string;
  /** XFORWARD attributes (ADDR, NAME, HELO, PROTO, SOURCE) sent by Postfix's smtp client, upper-case keys. */
  readonly xforward: Readonly<Record<string, string>>;
}

export interface SmtpSinkOptions {
  readonly host?: string;
  readonly port?: number;
  readonly hostname?: string;
  /** Reply to RCPT TO instead of "250 2.1.5 Ok" (e.g. "451 4.3.0 try again later"); undefined accepts. */
  readonly rcptReply?: (recipient: string) => string | undefined;
  /** Largest DATA accepted before the sink gives up on the connection. */
  readonly maxMessageBytes?: number;
  /** Offer XFORWARD (Postfix's smtp client then forwards the original client's address and HELO). */
  readonly xforward?: boolean;
  /**
   * Handles each message instead of recording it: resolves with the reply line to send after the final
   * dot ("250 …", "451 …"). Commands after it wait until the reply is sent. A rejection answers 451.
   */
  readonly onMessage?: (m: SinkMessage) => Promise<string>;
}

const CRLF_DOT_CRLF = Buffer.from("\r\n.\r\n");

function address(arg: string): string {
  const m = /<([^>]*)>/.exec(arg);
  return m ? m[1]! : arg.trim().split(/\s+/)[0] ?? "";
}

/** Message-ID from the header section (unfolded), without angle brackets. */
export function messageIdOf(data: Buffer): string | undefined {
  const end = data.indexOf("\r\n\r\n");
  const head = data.subarray(0, end < 0 ? data.length : end).toString("latin1").replace(/\r\n[ \t]+/g, " ");
  const m = /^message-id:\s*<?([^>\r\n]+)>?/im.exec(head);
  return m ? m[1]!.trim() : undefined;
}

export class SmtpSink {
  readonly messages: SinkMessage[] = [];
  /** Recipients answered with a non-2xx reply. */
  rejectedRecipients = 0;
  rcptReply: ((recipient: string) => string | undefined) | undefined;
  readonly #o: SmtpSinkOptions;
  readonly #sockets = new Set<Socket>();
  readonly #waiters: { n: number; resolve: () => void }[] = [];
  #server: Server | undefined;
  #port = 0;

  constructor(opts: SmtpSinkOptions = {}) {
    this.#o = opts;
    this.rcptReply = opts.rcptReply;
  }

  get port(): number {
    return this.#port;
  }

  async start(): Promise<number> {
    const server = createServer({ noDelay: true }, (s) => this.#session(s));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#o.port ?? 0, this.#o.host ?? "127.0.0.1", () => resolve());
    });
    const a = server.address();
    if (a === null || typeof a === "string") throw new Error("sink has no TCP address");
    this.#port = a.port;
    return a.port;
  }

  async close(): Promise<void> {
    const server = this.#server;
    for (const s of this.#sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  messageIds(): string[] {
    return this.messages.map((m) => m.messageId ?? "");
  }

  /** Resolves when at least `n` messages have been received; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs = 30_000): Promise<void> {
    if (this.messages.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = {
        n,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      };
      const t = setTimeout(() => {
        const i = this.#waiters.indexOf(w);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new Error(`sink: ${this.messages.length} of ${n} messages after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(w);
    });
  }

  #session(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on("close", () => this.#sockets.delete(socket));
    socket.on("error", () => {});
    const hostname = this.#o.hostname ?? "sink.test";
    const max = this.#o.maxMessageBytes ?? 64 * 1024 * 1024;
    let buf: Buffer = Buffer.alloc(0);
    let inData = false;
    let scanFrom = 0;
    let from = "";
    let rcpts: string[] = [];
    let helo = "";
    let xforward: Record<string, string> = {};
    let busy = false;
    socket.write(`220 ${hostname} ESMTP sink\r\n`);

    const onData = (): void => {
      for (;;) {
        if (busy) return;
        if (inData) {
          const idx = buf.indexOf(CRLF_DOT_CRLF, Math.max(0, scanFrom - 4));
          if (idx < 0) {
            if (buf.length > max) {
              socket.end("552 5.3.4 message too big\r\n");
              return;
            }
            scanFrom = buf.length;
            return;
          }
          // buf starts with the CRLF we prepended at DATA; the message is everything up to and including
          // the CRLF that ends its last line. Dot-stuffing (RFC 5321 §4.5.2) is undone line by line.
          const raw = buf.subarray(2, idx + 2).toString("latin1").replace(/\r\n\.\./g, "\r\n.");
          const data = Buffer.from(raw.startsWith("..") ? raw.slice(1) : raw, "latin1");
          buf = buf.subarray(idx + CRLF_DOT_CRLF.length);
          inData = false;
          const message: SinkMessage = { mailFrom: from, rcptTo: rcpts, data, messageId: messageIdOf(data), remoteAddress: socket.remoteAddress, receivedAt: Date.now(), helo, xforward };
          from = "";
          rcpts = [];
          xforward = {};
          const handler = this.#o.onMessage;
          if (handler) {
            busy = true;
            handler(message)
              .catch(() => "451 4.3.0 Error: message not processed, try again later")
              .then((reply) => {
                busy = false;
                if (socket.destroyed) return;
                socket.write(`${reply}\r\n`);
                onData();
              });
            return;
          }
          this.messages.push(message);
          socket.write(`250 2.0.0 Ok: queued as S${this.messages.length}\r\n`);
          for (const w of [...this.#waiters]) {
            if (this.messages.length >= w.n) {
              this.#waiters.splice(this.#waiters.indexOf(w), 1);
              w.resolve();
            }
          }
          continue;
        }
        const nl = buf.indexOf("\r\n");
        if (nl < 0) {
          if (buf.length > 4096) socket.end("500 5.5.2 line too long\r\n");
          return;
        }
        const line = buf.subarray(0, nl).toString("latin1");
        buf = buf.subarray(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        const arg = line.slice(4);
        if (this.#o.xforward && /^XFORWARD /i.test(line)) {
          // XFORWARD_README: "XFORWARD NAME=… ADDR=… HELO=…"; [UNAVAILABLE] and [TEMPUNAVAIL] mean unknown.
          for (const kv of line.slice(9).trim().split(/\s+/)) {
            const eq = kv.indexOf("=");
            if (eq <= 0) continue;
            const v = kv.slice(eq + 1);
            if (v !== "[UNAVAILABLE]" && v !== "[TEMPUNAVAIL]") xforward[kv.slice(0, eq).toUpperCase()] = v;
          }
          socket.write("250 2.0.0 Ok\r\n");
          continue;
        }
        switch (verb) {
          case "EHLO":
            helo = arg.trim();
            socket.write(`250-${hostname}\r\n250-PIPELINING\r\n250-SIZE ${max}\r\n250-8BITMIME\r\n${this.#o.xforward ? "250-XFORWARD NAME ADDR PROTO HELO SOURCE\r\n" : ""}250 ENHANCEDSTATUSCODES\r\n`);
            break;
          case "HELO":
            helo = arg.trim();
            socket.write(`250 ${hostname}\r\n`);
            break;
          case "MAIL":
            from = address(arg.replace(/^\s*FROM:/i, ""));
            rcpts = [];
            socket.write("250 2.1.0 Ok\r\n");
            break;
          case "RCPT": {
            const to = address(arg.replace(/^\s*TO:/i, ""));
            const reply = this.rcptReply?.(to);
            if (reply) {
              this.rejectedRecipients++;
              socket.write(`${reply}\r\n`);
            } else {
              rcpts.push(to);
              socket.write("250 2.1.5 Ok\r\n");
            }
            break;
          }
          case "DATA":
            if (rcpts.length === 0) {
              socket.write("554 5.5.1 Error: no valid recipients\r\n");
              break;
            }
            inData = true;
            scanFrom = 0;
            buf = Buffer.concat([Buffer.from("\r\n"), buf]);
            socket.write("354 End data with <CR><LF>.<CR><LF>\r\n");
            break;
          case "RSET":
            from = "";
            rcpts = [];
            socket.write("250 2.0.0 Ok\r\n");
            break;
          case "NOOP":
            socket.write("250 2.0.0 Ok\r\n");
            break;
          case "QUIT":
            socket.end("221 2.0.0 Bye\r\n");
            return;
          default:
            socket.write("502 5.5.2 Error: command not recognized\r\n");
        }
      }
    };

    socket.on("data", (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      onData();
    });
  }
}
