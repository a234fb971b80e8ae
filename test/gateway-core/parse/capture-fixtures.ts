/**
 * Captures the real first bytes that fixtures/ holds for the gateway parsers. Run by hand, not by the suite:
 *
 *   node --import tsx test/gateway-core/parse/capture-fixtures.ts [name-filter]
 *
 * Each capture starts a throwaway recorder on 127.0.0.1, port 0, points one real client at it, keeps the
 * bytes of the first connection until the client has been silent for a moment, and closes everything. The
 * recorder never answers, so TLS clients send exactly their ClientHello and give up. A client that is not
 * installed (chromium, ssh) is skipped with a note; the saved files are then left as they were.
 *
 * The suite only reads the saved files: captured bytes change with every client release (random values,
 * key shares), so the tests pin what must not change (SNI, ALPN, JA4 where the client is deterministic).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer, connect as netConnect, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const HELLO_DIR = join(ROOT, "fixtures", "client-hello");
const FIRST_DIR = join(ROOT, "fixtures", "first-bytes");
const HTTP1_DIR = join(ROOT, "fixtures", "http1");
const NAME = "fixture.example";
const QUIET_MS = 400;
const GIVE_UP_MS = 15_000;

/**
 * One recorder on port 0: resolves with the bytes of the first connection that carries `mark` (browsers
 * open background connections of their own through a proxy), once that connection has been quiet.
 */
async function record(drive: (port: number) => ChildProcess | (() => void) | void, mark?: string): Promise<Buffer> {
  let chunks: Buffer[] = [];
  let chosen: Socket | undefined;
  let quiet: NodeJS.Timeout | undefined;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    const own: Buffer[] = [];
    sock.on("data", (d: Buffer) => {
      if (chosen && chosen !== sock) return;
      own.push(d);
      if (!chosen) {
        if (mark && !Buffer.concat(own).includes(mark)) return;
        chosen = sock;
        chunks = own;
      }
      clearTimeout(quiet);
      quiet = setTimeout(done, QUIET_MS);
    });
    sock.on("error", () => undefined);
    sock.on("close", () => { sockets.delete(sock); if (sock === chosen) done(); });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const giveUp = setTimeout(done, GIVE_UP_MS);
  const client = drive(port);
  await finished;
  clearTimeout(giveUp);
  clearTimeout(quiet);
  for (const sock of sockets) sock.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof client === "function") client();
  else if (client) stop(client);
  return Buffer.concat(chunks);
}

/** Ends a client this script started: its own process group, by id. */
function stop(child: ChildProcess): void {
  if (child.exitCode !== null || child.pid === undefined) return;
  try { process.kill(-child.pid, "SIGKILL"); } catch { child.kill("SIGKILL"); }
}

function run(cmd: string, args: string[], stdin = ""): ChildProcess {
  const child = spawn(cmd, args, { stdio: ["pipe", "ignore", "ignore"], detached: true });
  child.on("error", () => undefined);
  child.stdin?.end(stdin);
  return child;
}

function have(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

function save(dir: string, file: string, bytes: Buffer): void {
  if (bytes.length === 0) { console.log(`  ${file}: nothing received, not saved`); return; }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), bytes);
  console.log(`  ${file}: ${bytes.length} bytes`);
}

type Capture = { file: string; dir: string; needs?: string; drive: (port: number) => ChildProcess | (() => void) | void; mark?: string };

const openssl = (port: number, ...extra: string[]) =>
  run("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-quiet", ...extra]);

const curl = (port: number, ...extra: string[]) =>
  run("curl", ["-s", "-o", "/dev/null", "--max-time", "5", "--resolve", `${NAME}:${port}:127.0.0.1`, ...extra]);

function chromium(args: string[], url: string): ChildProcess {
  const profile = mkdtempSync(join(tmpdir(), "qaqpa-chromium-"));
  const child = run("chromium", [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    `--user-data-dir=${profile}`, ...args, url,
  ]);
  child.on("exit", () => rmSync(profile, { recursive: true, force: true }));
  return child;
}

const captures: Capture[] = [
  // TLS ClientHellos (fixtures/client-hello)
  { dir: HELLO_DIR, file: "openssl-tls13.bin", drive: (p) => openssl(p, "-tls1_3", "-servername", NAME, "-alpn", "h2,http/1.1") },
  { dir: HELLO_DIR, file: "openssl-tls12.bin", drive: (p) => openssl(p, "-tls1_2", "-servername", NAME, "-alpn", "http/1.1") },
  { dir: HELLO_DIR, file: "openssl-no-sni.bin", drive: (p) => openssl(p, "-noservername") },
  // -max_send_frag makes OpenSSL cut its handshake into 512-byte records, and an ffdhe8192 key share (1 KiB)
  // makes the hello long enough to need three of them: a real multi-record ClientHello.
  { dir: HELLO_DIR, file: "openssl-tls13-split.bin", drive: (p) => openssl(p, "-tls1_3", "-servername", NAME, "-alpn", "h2", "-max_send_frag", "512", "-groups", "ffdhe8192:X25519:P-256") },
  { dir: HELLO_DIR, file: "curl-h2.bin", drive: (p) => curl(p, "--http2", `https://${NAME}:${p}/`) },
  { dir: HELLO_DIR, file: "curl-http11.bin", drive: (p) => curl(p, "--http1.1", `https://${NAME}:${p}/`) },
  {
    dir: HELLO_DIR, file: "node-tls.bin", drive: (p) => {
      const s = tlsConnect({ host: "127.0.0.1", port: p, servername: NAME, ALPNProtocols: ["h2", "http/1.1"] });
      s.on("error", () => undefined);
      return () => s.destroy();
    },
  },
  {
    dir: HELLO_DIR, file: "node-https.bin", drive: (p) => {
      const req = httpsRequest({ host: NAME, port: p, path: "/", lookup: (_h, _o, cb) => cb(null, [{ address: "127.0.0.1", family: 4 }]) });
      req.on("error", () => undefined);
      req.end();
      return () => req.destroy();
    },
  },
  { dir: HELLO_DIR, file: "chromium-h2.bin", needs: "chromium", mark: NAME, drive: (p) => chromium([`--host-resolver-rules=MAP ${NAME} 127.0.0.1`], `https://${NAME}:${p}/`) },

  // First bytes of other protocols (fixtures/first-bytes)
  { dir: FIRST_DIR, file: "ssh-openssh.bin", needs: "ssh", drive: (p) => run("ssh", ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-p", String(p), "fixture@127.0.0.1", "true"]) },
  { dir: FIRST_DIR, file: "socks5-curl.bin", drive: (p) => run("curl", ["-s", "-o", "/dev/null", "--max-time", "3", "--socks5", `127.0.0.1:${p}`, "http://fixture.example/"]) },
  { dir: FIRST_DIR, file: "socks4a-curl.bin", drive: (p) => run("curl", ["-s", "-o", "/dev/null", "--max-time", "3", "--socks4a", `127.0.0.1:${p}`, "http://fixture.example/"]) },

  // HTTP/1.x heads (fixtures/http1)
  { dir: HTTP1_DIR, file: "curl-origin-get.bin", drive: (p) => curl(p, `http://${NAME}:${p}/search?q=qaqpa`) },
  { dir: HTTP1_DIR, file: "curl-proxy-get.bin", drive: (p) => run("curl", ["-s", "-o", "/dev/null", "--max-time", "3", "-x", `http://127.0.0.1:${p}`, "-U", "officer:secret", `http://${NAME}/index.html`]) },
  { dir: HTTP1_DIR, file: "curl-proxy-connect.bin", drive: (p) => run("curl", ["-s", "-o", "/dev/null", "--max-time", "3", "-p", "-x", `http://127.0.0.1:${p}`, `https://${NAME}/`]) },
  { dir: HTTP1_DIR, file: "curl-post-chunked.bin", drive: (p) => run("curl", ["-s", "-o", "/dev/null", "--max-time", "3", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", `http://127.0.0.1:${p}/upload`], "first line\nsecond line\n") },
  {
    dir: HTTP1_DIR, file: "node-post-chunked.bin", drive: (p) => {
      const req = httpRequest({ host: "127.0.0.1", port: p, method: "POST", path: "/api/v1/items", headers: { "content-type": "application/json" } });
      req.on("error", () => undefined);
      req.write('{"a":1,');
      req.end('"b":2}');
      return () => req.destroy();
    },
  },
  { dir: HTTP1_DIR, file: "chromium-proxy-connect.bin", needs: "chromium", mark: NAME, drive: (p) => chromium([`--proxy-server=http://127.0.0.1:${p}`], `https://${NAME}/`) },
  { dir: HTTP1_DIR, file: "chromium-proxy-get.bin", needs: "chromium", mark: NAME, drive: (p) => chromium([`--proxy-server=http://127.0.0.1:${p}`], `http://${NAME}/page`) },
];

/** A response head and chunked body as Node's http server writes them, read by a raw client. */
async function captureNodeResponse(): Promise<void> {
  const { createServer: createHttpServer } = await import("node:http");
  const server = createHttpServer((_req, res) => {
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.setHeader("Trailer", "X-Checksum");
    res.write("hello, ");
    res.addTrailers({ "X-Checksum": "abc123" });
    res.end("world\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const bytes = await new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    const s = netConnect(port, "127.0.0.1", () => s.end(`GET /greeting HTTP/1.1\r\nHost: ${NAME}\r\nConnection: close\r\n\r\n`));
    s.on("data", (d: Buffer) => chunks.push(d));
    s.on("error", () => resolve(Buffer.concat(chunks)));
    s.on("close", () => resolve(Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // The Date header changes every run; pin it so re-captures diff cleanly.
  save(HTTP1_DIR, "node-response-chunked.bin", Buffer.from(bytes.toString("latin1").replace(/^Date: .*\r\n/m, "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n"), "latin1"));
}

/**
 * Protocols with no client on this machine: built byte by byte from their specifications. Deterministic,
 * so re-running rewrites identical files.
 */
function handBuilt(): void {
  const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ""), "hex");
  const sessionId = hex("0123456789abcdef");
  // OpenVPN over TCP (openvpn ssl_pkt.h / "OpenVPN protocol" doc): u16 length, opcode<<3 | key_id,
  // session id, [tls-auth HMAC, replay packet-id, net time], ack array length, message packet-id.
  const ovpnV2 = Buffer.concat([hex("38"), sessionId, hex("00"), hex("00000000")]);
  save(FIRST_DIR, "openvpn-reset-v2.bin", Buffer.concat([u16(ovpnV2.length), ovpnV2]));
  const hmac = Buffer.alloc(20, 0xa5); // HMAC-SHA1 over the packet with the static tls-auth key
  const ovpnAuth = Buffer.concat([hex("38"), sessionId, hmac, hex("00000001"), hex("6a000000"), hex("00"), hex("00000000")]);
  save(FIRST_DIR, "openvpn-reset-v2-tls-auth.bin", Buffer.concat([u16(ovpnAuth.length), ovpnAuth]));
  // P_CONTROL_HARD_RESET_CLIENT_V3 (tls-crypt-v2): packet-id + time, tag, ciphertext, then the wrapped
  // client key (WKc) with its own u16 length at the end; 200 bytes of WKc here.
  const wkc = Buffer.concat([Buffer.alloc(198, 0x5a), u16(200)]);
  const ovpnV3 = Buffer.concat([hex("50"), sessionId, hex("000000016a000000"), Buffer.alloc(32, 0x3c), Buffer.alloc(5, 0x77), wkc]);
  save(FIRST_DIR, "openvpn-reset-v3.bin", Buffer.concat([u16(ovpnV3.length), ovpnV3]));

  // RDP Client X.224 Connection Request PDU ([MS-RDPBCGR] 2.2.1.1): TPKT (RFC 1006), X.224 CR TPDU
  // (LI, 0xE0, DST-REF, SRC-REF, class 0), routing cookie, RDP_NEG_REQ (TLS | CredSSP).
  const cookie = Buffer.from("Cookie: mstshash=officer\r\n", "latin1");
  const negReq = hex("01 00 0800 03000000");
  const tpduLen = 7 + cookie.length + negReq.length;
  save(FIRST_DIR, "rdp-x224-cr.bin", Buffer.concat([hex("0300"), u16(4 + tpduLen), Buffer.from([tpduLen - 1, 0xe0]), hex("0000 0000 00"), cookie, negReq]));

  // SOCKS 4 CONNECT to 93.184.216.34:80 with user id "officer" (SOCKS 4 protocol, Ying-Da Lee).
  save(FIRST_DIR, "socks4-connect.bin", Buffer.concat([hex("04 01 0050 5db8d822"), Buffer.from("officer\0", "latin1")]));
  // SOCKS 5 greeting offering no-auth and username/password (RFC 1928 §3, RFC 1929).
  save(FIRST_DIR, "socks5-greeting.bin", hex("05 02 00 02"));
  // BitTorrent handshake (BEP 3): pstrlen, pstr, reserved (BEP 10 extension bit, BEP 5 DHT bit), info_hash, peer_id.
  save(FIRST_DIR, "bittorrent-handshake.bin", Buffer.concat([
    Buffer.from("\x13BitTorrent protocol", "latin1"), hex("0000000000100005"),
    hex("c12fe1c06bba254a9dc9f519b335aa7c1367a88a"), Buffer.from("-QQ0001-000000000000", "latin1"),
  ]));
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

const filter = process.argv[2];
if (!filter || filter === "hand-built") handBuilt();
for (const c of captures) {
  if (filter && !c.file.includes(filter)) continue;
  if (c.needs && !have(c.needs)) { console.log(`  ${c.file}: ${c.needs} not installed, skipped`); continue; }
  save(c.dir, c.file, await record(c.drive, c.mark));
}
if (!filter || "node-response-chunked.bin".includes(filter)) await captureNodeResponse();
