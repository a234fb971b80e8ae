/**
 * A minimal SMTP receiver on 127.0.0.1 for tests: accepts every message and keeps it (envelope + raw data).
 * Enough of RFC 5321 for nodemailer and Postfix's smtp client: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface Received {
  from: string;
  to: string[];
  data: string;
}

export interface SmtpReceiver {
  port: number;
  messages: Received[];
  /** answer 451 to DATA while true (to keep mail queued at the sender) */
  tempfail: boolean;
  close(): Promise<void>;
}

export async function startSmtpReceiver(host = "127.0.0.1"): Promise<SmtpReceiver> {
  const sockets = new Set<Socket>();
  const state: SmtpReceiver = { port: 0, messages: [], tempfail: false, close: async () => {} };
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.setEncoding("utf8");
    let buf = "";
    let inData = false;
    let cur: Received = { from: "", to: [], data: "" };
    sock.write("220 receiver ESMTP\r\n");
    sock.on("data", (chunk: string) => {
      buf += chunk;
      for (;;) {
        if (inData) {
          const end = buf.indexOf("\r\n.\r\n");
          if (end < 0) return;
          cur.data = buf.slice(0, end + 2).replace(/^\.\./gm, ".");
          buf = buf.slice(end + 5);
          inData = false;
          state.messages.push(cur);
          cur = { from: "", to: [], data: "" };
          sock.write("250 2.0.0 queued\r\n");
          continue;
        }
        const nl = buf.indexOf("\r\n");
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") sock.write("250-receiver\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
        else if (verb === "HELO") sock.write("250 receiver\r\n");
        else if (verb === "MAIL") {
          cur = { from: /<([^>]*)>/.exec(line)?.[1] ?? "", to: [], data: "" };
          sock.write("250 2.1.0 ok\r\n");
        } else if (verb === "RCPT") {
          cur.to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
          sock.write("250 2.1.5 ok\r\n");
        } else if (verb === "DATA") {
          if (state.tempfail) sock.write("451 4.3.0 try later\r\n");
          else {
            inData = true;
            sock.write("354 go ahead\r\n");
          }
        } else if (verb === "RSET" || verb === "NOOP") sock.write("250 ok\r\n");
        else if (verb === "QUIT") {
          sock.end("221 bye\r\n");
          return;
        } else sock.write("502 5.5.2 not implemented\r\n");
      }
    });
    sock.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  state.port = (server.address() as AddressInfo).port;
  state.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return state;
}
