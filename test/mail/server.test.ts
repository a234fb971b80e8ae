/**
 * The policy service over real loopback TCP, with the in-memory store, outbox, audit and queue: the
 * connection handling, the failure modes, and the suspension control without Postfix.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { MemoryAudit, MemoryMailSystemDirectory, MemoryOutbox, MemoryQueue } from "../../src/mail/memory.js";
import type { MailSystem, MailSystemDirectory } from "../../src/mail/ports.js";
import { encodeRequest } from "../../src/mail/policy/protocol.js";
import { MailPolicyService, MailSystemNotFoundError, MailSystemNotSuspendedError, type MailPolicyServiceOptions } from "../../src/mail/policy/server.js";
import { HOOKS } from "../../src/mail/policy/hooks/index.js";
import type { Hook } from "../../src/mail/policy/hooks/hook.js";
import { FAILSAFE_ACTION } from "../../src/mail/policy/verdict.js";

const SYSTEMS: MailSystem[] = [
  { id: "sys-a", organisationId: "o1", name: "Ministry A", domains: ["a.gov.kz"], serverAddresses: ["127.0.0.3"], inbound: { host: "127.0.0.1", port: 2525 }, ownerEmail: "admin@a.gov.kz", suspension: null },
  { id: "sys-b", organisationId: "o2", name: "Akimat B", domains: ["b.gov.kz"], serverAddresses: ["127.0.0.4"], inbound: { host: "127.0.0.1", port: 2526 }, ownerEmail: "admin@b.gov.kz", suspension: null, limits: { messagesPerMinute: 2 } },
];

const services: MailPolicyService[] = [];
after(async () => {
  for (const s of services) await s.close();
});

function setup(over: Partial<MailPolicyServiceOptions> = {}) {
  const directory = new MemoryMailSystemDirectory(SYSTEMS);
  const outbox = new MemoryOutbox();
  const audit = new MemoryAudit();
  const queue = new MemoryQueue();
  let now = Date.UTC(2026, 0, 12, 9, 0, 0);
  const service = new MailPolicyService({ directory, outbox, audit, queue, stsAddress: "duty@sts.kz", holdGraceMs: 0, clock: () => now, ...over });
  services.push(service);
  return { service, directory, outbox, audit, queue, tick: (ms: number) => (now += ms) };
}

/** A policy client: one connection, requests in, responses out, as Postfix's smtpd uses it. */
class Client {
  #buf = "";
  #waiters: ((s: string | null) => void)[] = [];
  #closed = false;
  constructor(readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.#buf += d;
      let i;
      while ((i = this.#buf.indexOf("\n\n")) >= 0) {
        const r = this.#buf.slice(0, i + 2);
        this.#buf = this.#buf.slice(i + 2);
        this.#waiters.shift()?.(r);
      }
    });
    socket.on("close", () => {
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) w(null);
    });
  }
  static async open(where: number | string): Promise<Client> {
    const s = typeof where === "string" ? connect({ path: where }) : connect({ host: "127.0.0.1", port: where });
    await new Promise((r) => s.once("connect", r));
    return new Client(s);
  }
  next(): Promise<string | null> {
    if (this.#closed) return Promise.resolve(null);
    return new Promise((r) => this.#waiters.push(r));
  }
  async ask(attrs: Record<string, string>): Promise<string | null> {
    const p = this.next();
    this.socket.write(encodeRequest(attrs));
    return p;
  }
  close(): void {
    this.socket.destroy();
  }
}

const rq = (state: string, client: string, recipient: string, extra: Record<string, string> = {}) => ({
  request: "smtpd_access_policy",
  protocol_state: state,
  client_address: client,
  sender: "clerk@x.kz",
  recipient,
  instance: extra["instance"] ?? "i1",
  ...extra,
});

/** One accepted outbound message, as Postfix's three requests. */
async function message(c: Client, client: string, queueId: string, instance: string): Promise<string | null> {
  await c.ask(rq("RCPT", client, "someone@gmail.com", { instance }));
  await c.ask(rq("DATA", client, "someone@gmail.com", { instance, recipient_count: "1", queue_id: queueId }));
  return c.ask(rq("END-OF-MESSAGE", client, "someone@gmail.com", { instance, recipient_count: "1", queue_id: queueId, size: "500" }));
}

test("ok/one connection carries many requests; answers come in request order", async () => {
  const { service } = setup();
  const { port } = await service.start();
  const c = await Client.open(port);
  const dir = new URL("../../fixtures/smtp/policy-corpus/", import.meta.url).pathname;
  for (const f of (await readdir(dir)).sort()) {
    const r = await (async () => {
      const p = c.next();
      c.socket.write(await readFile(join(dir, f)));
      return p;
    })();
    assert.equal(r, "action=DUNNO\n\n", f);
  }
  // Three requests in one write: three answers, in order.
  const answers = [c.next(), c.next(), c.next()];
  c.socket.write(Buffer.concat([encodeRequest(rq("RCPT", "198.51.100.7", "v@gmail.com")), encodeRequest(rq("RCPT", "198.51.100.7", "clerk@a.gov.kz")), encodeRequest(rq("RCPT", "127.0.0.3", "v@gmail.com"))]));
  const got = await Promise.all(answers);
  assert.match(got[0]!, /^action=554 5\.7\.1 /);
  assert.equal(got[1], "action=DUNNO\n\n");
  assert.equal(got[2], "action=DUNNO\n\n");
  assert.ok(service.requests >= 11);
  c.close();
});

test("fail/a protocol error ends the connection without an answer (SMTPD_POLICY_README: disconnect)", async () => {
  const { service } = setup();
  const { port } = await service.start();
  const c = await Client.open(port);
  const r = c.next();
  c.socket.write("request=smtpd_access_policy\nno equals sign here\n\n");
  assert.equal(await r, null);
});

test("fail/an incomplete request is dropped after the request timeout", async () => {
  const { service } = setup({ requestTimeoutMs: 200 });
  const { port } = await service.start();
  const c = await Client.open(port);
  const started = Date.now();
  const r = c.next();
  c.socket.write("request=smtpd_access_policy\nprotocol_state=RCPT\n");
  assert.equal(await r, null);
  assert.ok(Date.now() - started >= 150);
});

test("fail/an internal error answers the fail-safe tempfail, never OK; the connection stays usable", async () => {
  const broken: Hook = { name: "rcpt/broken", state: "RCPT", run: () => { throw new Error("bug"); } };
  const logs: string[] = [];
  const { service } = setup({ hooks: [broken, ...HOOKS], log: (_l, m) => logs.push(m) });
  const { port } = await service.start();
  const c = await Client.open(port);
  assert.equal(await c.ask(rq("RCPT", "127.0.0.3", "v@gmail.com")), `action=${FAILSAFE_ACTION}\n\n`);
  assert.equal(await c.ask(rq("END-OF-MESSAGE", "198.51.100.7", "clerk@a.gov.kz")), "action=DUNNO\n\n");
  assert.ok(logs.some((m) => /decision failed/.test(m)));
  assert.equal(await c.ask({ request: "smtpd_access_policy", protocol_state: "NOPE" }), `action=${FAILSAFE_ACTION}\n\n`);
  c.close();
});

test("fail/while the store cannot be read, requests wait up to the timeout, then get the tempfail; then it recovers", async () => {
  const real = new MemoryMailSystemDirectory(SYSTEMS);
  let down = true;
  const flaky: MailSystemDirectory = {
    list: () => (down ? Promise.reject(new Error("store down")) : real.list()),
    setSuspension: (id, s) => real.setSuspension(id, s),
  };
  const { service } = setup({ directory: flaky, requestTimeoutMs: 150, reloadRetryMs: 50 });
  const { port } = await service.start();
  assert.equal(service.ready, false);
  const c = await Client.open(port);
  const t0 = Date.now();
  assert.equal(await c.ask(rq("RCPT", "198.51.100.7", "clerk@a.gov.kz")), `action=${FAILSAFE_ACTION}\n\n`);
  assert.ok(Date.now() - t0 >= 120, "waited for the snapshot before giving up");
  down = false;
  const deadline = Date.now() + 2_000;
  while (!service.ready && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await c.ask(rq("RCPT", "198.51.100.7", "clerk@a.gov.kz")), "action=DUNNO\n\n");
  c.close();
});

test("ok/a configuration that does not compile is refused; the previous snapshot stays", async () => {
  const { service, directory } = setup();
  await service.start();
  const id = service.snapshot.id;
  directory.put({ ...SYSTEMS[1]!, id: "sys-c", serverAddresses: ["127.0.0.3"], domains: ["c.gov.kz"] });
  await assert.rejects(service.reload(), /belongs to both/);
  assert.equal(service.snapshot.id, id);
});

test("ok/p12: a burst over the limit suspends the system, holds its queued mail, notifies owner and STS, audits", async () => {
  const { service, directory, outbox, audit, queue } = setup();
  const { port } = await service.start();
  const c = await Client.open(port);
  // sys-b's own limit is 2 messages per minute.
  for (const [i, q] of ["AAAAAA01", "AAAAAA02"].entries()) {
    assert.equal(await message(c, "127.0.0.4", q, `m${i}`), "action=DUNNO\n\n");
    queue.add(q, "deferred");
  }
  const crossing = await message(c, "127.0.0.4", "AAAAAA03", "m3");
  assert.match(crossing!, /^action=451 4\.7\.1 Abnormal/);
  assert.match((await c.ask(rq("RCPT", "127.0.0.4", "v@gmail.com", { instance: "m4" })))!, /^action=450 4\.7\.1 Mail system suspended/);
  assert.equal(await c.ask(rq("RCPT", "127.0.0.3", "v@gmail.com", { instance: "m5" })), "action=DUNNO\n\n", "sys-a is not affected");
  await service.settled();
  const s = directory.get("sys-b")!.suspension!;
  assert.equal(s.by, "detector");
  assert.deepEqual(s.reasons, [{ code: "messages-per-minute", observed: 3, limit: 2 }]);
  assert.deepEqual([...s.heldQueueIds].sort(), ["AAAAAA01", "AAAAAA02"]);
  assert.deepEqual((await queue.list()).map((m) => m.queueName), ["hold", "hold"]);
  assert.deepEqual(outbox.messages.map((m) => m.to), ["admin@b.gov.kz", "duty@sts.kz"]);
  assert.match(outbox.messages[0]!.body, /Akimat B/);
  assert.match(outbox.messages[0]!.body, /messages in the last minute: 3 \(limit 2\)/);
  assert.deepEqual(audit.entries.map((e) => [e.action, e.entity]), [["mail_system.suspend", { type: "mail_system", id: "sys-b" }]]);
  const st = service.state("sys-b");
  assert.equal(st.suspended, true);
  assert.equal(st.trackedQueueIds, 0);

  // A second suspension (manual) of a suspended system is idempotent: no second notice.
  const again = await service.suspend("sys-b", { by: "sts-1" });
  assert.equal(again.alreadySuspended, true);
  assert.equal(outbox.messages.length, 2);

  const rel = await service.release("sys-b", { by: "sts-1" });
  assert.deepEqual([...rel.released].sort(), ["AAAAAA01", "AAAAAA02"]);
  assert.deepEqual([...queue.delivered].sort(), ["AAAAAA01", "AAAAAA02"]);
  assert.equal(directory.get("sys-b")!.suspension, null);
  assert.equal(await message(c, "127.0.0.4", "AAAAAA04", "m6"), "action=DUNNO\n\n", "windows were reset on release");
  assert.deepEqual(audit.entries.map((e) => e.action), ["mail_system.suspend", "mail_system.release"]);
  assert.match(outbox.messages.at(-1)!.subject, /resumed/);
  c.close();
});

test("ok/manual suspension, delete held mail, errors for unknown and not-suspended systems", async () => {
  const { service, directory, audit, queue } = setup();
  const { port } = await service.start();
  const c = await Client.open(port);
  await message(c, "127.0.0.3", "BBBBBB01", "x1");
  queue.add("BBBBBB01", "deferred");
  const r = await service.suspend("sys-a", { by: "sts-2", note: "complaint" });
  assert.deepEqual(r.held, ["BBBBBB01"]);
  assert.equal(directory.get("sys-a")!.suspension!.note, "complaint");
  const d = await service.deleteHeld("sys-a", { by: "sts-2" });
  assert.deepEqual(d.deleted, ["BBBBBB01"]);
  assert.deepEqual(directory.get("sys-a")!.suspension!.heldQueueIds, []);
  assert.equal(service.state("sys-a").suspended, true, "deleting held mail does not lift the suspension");
  assert.deepEqual(audit.entries.map((e) => e.action), ["mail_system.suspend", "mail_system.delete_held"]);
  await assert.rejects(service.suspend("nope", { by: "x" }), MailSystemNotFoundError);
  await assert.rejects(service.release("sys-b", { by: "x" }), MailSystemNotSuspendedError);
  await assert.rejects(service.deleteHeld("sys-b", { by: "x" }), (e: unknown) => e instanceof MailSystemNotSuspendedError && e.statusCode === 409 && e.code === "QQ_ERR_MAIL_SYSTEM_NOT_SUSPENDED");
  c.close();
});

test("ok/a suspension survives a restart: the next service starts with the system suspended", async () => {
  const first = setup();
  await first.service.start();
  await first.service.suspend("sys-a", { by: "sts-3" });
  const second = setup({ directory: first.directory });
  const { port } = await second.service.start();
  const c = await Client.open(port);
  assert.match((await c.ask(rq("RCPT", "127.0.0.3", "v@gmail.com")))!, /^action=450 /);
  c.close();
});

test("ok/the delivery log feeds the bounce share and trips an automatic suspension", async () => {
  const autos: string[] = [];
  const { service, directory } = setup({ detectorLimits: { deliveryMinSamples: 10, maxBounceShare: 0.3 }, onAutoSuspend: (r) => autos.push(r?.systemId ?? "error") });
  await service.start();
  const line = (i: number, status: string) => [
    `Jan 12 09:00:00 gw postfix/smtpd[1]: CCCCCC${String(i).padStart(2, "0")}: client=unknown[127.0.0.3]`,
    `Jan 12 09:00:01 gw postfix/smtp[2]: CCCCCC${String(i).padStart(2, "0")}: to=<r${i}@x.kz>, relay=mx.x.kz[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=${status === "sent" ? "2.0.0" : "5.1.1"}, status=${status} (x)`,
  ];
  for (let i = 0; i < 6; i++) for (const l of line(i, "sent")) service.observeLogLine(l);
  assert.equal(service.state("sys-a").trackedQueueIds, 6, "queue ids learned from the log's client= lines");
  for (let i = 6; i < 10; i++) for (const l of line(i, "bounced")) service.observeLogLine(l);
  await service.settled();
  assert.deepEqual(autos, ["sys-a"]);
  assert.deepEqual(directory.get("sys-a")!.suspension!.reasons.map((r) => r.code), ["bounce-share"]);
  // Removed messages are forgotten.
  service.observeLogLine("Jan 12 09:00:02 gw postfix/qmgr[3]: CCCCCC00: removed");
  assert.equal(service.state("sys-a").trackedQueueIds, 9);
});

test("ok/a UNIX-domain socket: a killed predecessor's socket file is replaced; the mode admits owner and group only", async () => {
  const dir = await mkdtemp(join(tmpdir(), "qaqpa-policy-sock-"));
  try {
    const path = join(dir, "policy.sock");
    await writeFile(path, "");
    await assert.rejects(setup({ socketPath: path }).service.start(), "a regular file in the way is not removed");
    await rm(path);
    // A predecessor killed with SIGKILL leaves its socket file behind.
    const pred = spawn(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(path)}, () => console.log("up"))`], { stdio: ["ignore", "pipe", "ignore"] });
    await new Promise((r) => pred.stdout!.once("data", r));
    pred.kill("SIGKILL");
    await new Promise((r) => pred.once("exit", r));
    assert.ok((await stat(path)).isSocket());
    const { service } = setup({ socketPath: path });
    assert.deepEqual(await service.start(), { host: "", port: 0, path });
    assert.equal((await stat(path)).mode & 0o777, 0o660);
    const c = await Client.open(path);
    assert.equal(await c.ask(rq("RCPT", "198.51.100.7", "clerk@a.gov.kz")), "action=DUNNO\n\n");
    c.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
