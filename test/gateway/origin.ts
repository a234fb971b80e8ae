/**
 * A local "Internet" for gateway tests: one HTTP and one HTTPS origin on 127.0.0.1 serving many names, with
 * their own CA (made by openssl), so the gateway's upstream validation is real.
 */
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Origins {
  httpPort: number;
  httpsPort: number;
  caPem: string;
  caFile: string;
  dir: string;
  requests: { host: string; path: string; secure: boolean }[];
  close(): Promise<void>;
}

function openssl(args: string[], cwd: string) {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

export async function startOrigins(names: string[]): Promise<Origins> {
  const dir = mkdtempSync(join(tmpdir(), "qaqpa-origin-"));
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", "/CN=Test Origin CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], dir);
  writeFileSync(join(dir, "ext.cnf"), `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "site.key", "-out", "site.csr", "-subj", `/CN=${names[0]}`], dir);
  openssl(["x509", "-req", "-in", "site.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "site.pem", "-days", "30", "-extfile", "ext.cnf"], dir);
  const requests: Origins["requests"] = [];
  const handler = (secure: boolean) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const host = (req.headers.host ?? "").replace(/:\d+$/, "");
    requests.push({ host, path: req.url ?? "", secure });
    let body = 0;
    req.on("data", (c: Buffer) => (body += c.length));
    req.on("end", () => {
      const text = `origin ${secure ? "https" : "http"} ${host}${req.url} body=${body}\n`;
      res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(text) });
      res.end(text);
    });
  };
  const plain = http.createServer(handler(false));
  // A minimal WebSocket endpoint: the upgrade is answered (frames are not needed to test the gateway).
  const upgraded = new Set<import("node:stream").Duplex>();
  plain.on("upgrade", (req, socket) => {
    upgraded.add(socket);
    requests.push({ host: (req.headers.host ?? "").replace(/:\d+$/, ""), path: req.url ?? "", secure: false });
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    socket.on("error", () => {});
  });
  const secure = https.createServer({ key: readFileSync(join(dir, "site.key")), cert: readFileSync(join(dir, "site.pem")) }, handler(true));
  await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => secure.listen(0, "127.0.0.1", r));
  return {
    httpPort: (plain.address() as AddressInfo).port,
    httpsPort: (secure.address() as AddressInfo).port,
    caPem: readFileSync(join(dir, "ca.pem"), "utf8"),
    caFile: join(dir, "ca.pem"),
    dir,
    requests,
    async close() {
      plain.closeAllConnections();
      for (const s of upgraded) s.destroy(); // an upgraded socket is no longer the server's to close
      secure.closeAllConnections();
      await new Promise<void>((r) => plain.close(() => r()));
      await new Promise<void>((r) => secure.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
