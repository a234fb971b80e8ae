/**
 * A minimal SMTP client for the real-peer tests and the benchmark: one connection, messages sent one
 * after another, every reply code reported at the stage it came (so a test can tell a 4xx at RCPT from
 * a 4xx after the final dot). It binds to a chosen local address, which is how the tests play a
 * connected mail system (its registered 127.0.0.x) or an unknown client.
 */
import { connect, type Socket } from "node:net";

export type SmtpStage = "connect" | "helo" | "mail" | "rcpt" | "data" | "eom";

export interface SmtpReply {
  readonly code: number;
  readonly text: string;
}

export interface SendResult {
  /** The message was accepted (2xx after the final dot). */
  readonly ok: boolean;
  /** Where the transaction ended. */
  readonly stage: SmtpStage;
  readonly code: number;
  readonly text: string;
  /** Postfix's queue id from "250 2.0.0 Ok: queued as <id>". */
  readonly queueId: string | undefined;
  readonly rejectedRecipients: readonly { readonly recipient: string; readonly code: number; readonly text: string }[];
}

export interface SmtpClientOptions {
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string;
  readonly helo?: string;
  readonly timeoutMs?: number;
}

export class SmtpError extends Error {
  override name = "SmtpError";
}

export class SmtpClient {
  readonly #socket: Socket;
  readonly #timeoutMs: number;
  #buf = "";
  #lines: string[] = [];
  #waiter: ((r: SmtpReply | Error) => void) | undefined;
  #pending: (SmtpReply | Error)[] = [];
  #closed = false;

  private constructor(socket: Socket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    socket.setNoDelay(true);
    socket.on("data", (b: Buffer) => this.#onData(b.toString("latin1")));
    socket.on("error", (e) => this.#deliver(e));
    socket.on("close", () => {
      this.#closed = true;
      this.#deliver(new SmtpError("connection closed"));
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  static async connect(o: SmtpClientOptions): Promise<SmtpClient> {
    const socket = connect({ host: o.host, port: o.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const c = new SmtpClient(socket, o.timeoutMs ?? 30_000);
    const greet = await c.#reply();
    if (greet.code !== 220) {
      c.close();
      throw new SmtpError(`greeting ${greet.code} ${greet.text}`);
    }
    const ehlo = await c.command(`EHLO ${o.helo ?? "client.test"}`);
    if (ehlo.code !== 250) {
      c.close();
      throw new SmtpError(`EHLO ${ehlo.code} ${ehlo.text}`);
    }
    return c;
  }

  #onData(s: string): void {
    this.#buf += s;
    let nl: number;
    while ((nl = this.#buf.indexOf("\r\n")) >= 0) {
      const line = this.#buf.slice(0, nl);
      this.#buf = this.#buf.slice(nl + 2);
      this.#lines.push(line);
      // Last line of a reply: "250 text" (a space, not a hyphen, after the code; RFC 5321 §4.2.1).
      if (line.length < 4 || line[3] === " ") {
        const lines = this.#lines;
        this.#lines = [];
        this.#deliver({ code: Number(line.slice(0, 3)), text: lines.map((l) => l.slice(4)).join("\n") });
      }
    }
  }

  #deliver(r: SmtpReply | Error): void {
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w(r);
    } else if (!(r instanceof Error) || this.#pending.length === 0) {
      this.#pending.push(r);
    }
  }

  #reply(): Promise<SmtpReply> {
    const p = this.#pending.shift();
    if (p) return p instanceof Error ? Promise.reject(p) : Promise.resolve(p);
    if (this.#closed) return Promise.reject(new SmtpError("connection closed"));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.#waiter = undefined;
        reject(new SmtpError("reply timeout"));
      }, this.#timeoutMs);
      this.#waiter = (r) => {
        clearTimeout(t);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
    });
  }

  async command(line: string): Promise<SmtpReply> {
    if (this.#closed) throw new SmtpError("connection closed");
    this.#socket.write(line + "\r\n");
    return this.#reply();
  }

  /** Sends one message. Throws only when the connection fails; SMTP refusals are results. */
  async send(msg: { from: string; to: readonly string[]; data: string | Buffer }): Promise<SendResult> {
    const rejected: { recipient: string; code: number; text: string }[] = [];
    const end = (stage: SmtpStage, r: SmtpReply, ok = false, queueId?: string): SendResult => ({ ok, stage, code: r.code, text: r.text, queueId, rejectedRecipients: rejected });
    const mail = await this.command(`MAIL FROM:<${msg.from}>`);
    if (mail.code !== 250) {
      await this.#rset();
      return end("mail", mail);
    }
    let accepted = 0;
    let last: SmtpReply = mail;
    for (const to of msg.to) {
      const r = await this.command(`RCPT TO:<${to}>`);
      last = r;
      if (r.code === 250 || r.code === 251) accepted++;
      else rejected.push({ recipient: to, code: r.code, text: r.text });
    }
    if (accepted === 0) {
      await this.#rset();
      return end("rcpt", last);
    }
    const data = await this.command("DATA");
    if (data.code !== 354) {
      await this.#rset();
      return end("data", data);
    }
    let body = typeof msg.data === "string" ? msg.data : msg.data.toString("latin1");
    body = body.replace(/\r?\n/g, "\r\n");
    if (!body.endsWith("\r\n")) body += "\r\n";
    // Dot-stuffing (RFC 5321 §4.5.2).
    body = body.replace(/^\./gm, "..");
    this.#socket.write(Buffer.from(body + ".\r\n", "latin1"));
    const eom = await this.#reply();
    const ok = eom.code >= 200 && eom.code < 300;
    // After a refused message Postfix (3.7) still holds the transaction open ("503 5.5.1 Error: nested
    // MAIL command" on the next MAIL); a client that reuses the connection resets, as MTAs do.
    if (!ok) await this.#rset();
    const qid = /queued as ([0-9A-Za-z]+)/.exec(eom.text)?.[1];
    return end("eom", eom, ok, qid);
  }

  async #rset(): Promise<void> {
    if (!this.#closed) await this.command("RSET").catch(() => undefined);
  }

  async quit(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.command("QUIT");
    } catch {
      // already gone
    }
    this.close();
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** A small RFC 5322 message with a given Message-ID (how the tests count messages end to end). */
export function buildMessage(o: { from: string; to: readonly string[]; subject: string; messageId: string; body?: string }): string {
  return [
    `From: <${o.from}>`,
    `To: ${o.to.map((t) => `<${t}>`).join(", ")}`,
    `Subject: ${o.subject}`,
    `Message-ID: <${o.messageId}>`,
    `Date: ${new Date().toUTCString().replace("GMT", "+0000")}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    o.body ?? "test message",
    "",
  ].join("\r\n");
}
