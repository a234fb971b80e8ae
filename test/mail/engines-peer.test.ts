/**
 * Real peers: the private Postfix with ClamAV through its standard integration — clamav-milter in front of
 * clamd — both private, on loopback ports, with their own configuration files in a temporary directory.
 * The Internet's virus database is not reachable here, so clamd loads one custom signature: a `.hdb` line
 * (MD5:size:name, what `sigtool --md5` prints) of a test attachment. A message carrying it is refused in
 * the SMTP dialogue (OnInfected Reject: the sender gets 5xx and keeps the message), a clean one is
 * delivered; with the milter down, Postfix answers 4xx (milter_default_action = tempfail) and nothing is
 * accepted unchecked, lost or queued. Skipped, with the reason, without clamd / clamav-milter.
 *
 * Rspamd: a private `rspamd` whose proxy worker scans by itself in milter mode (self_scan), with a minimal
 * configuration over Debian's modules and DNS pointed at a closed loopback port (no Internet). GTUBE is its
 * deterministic reject. Skipped, with the reason, without rspamd.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, peerSkipReason, startGateway, swaks, SYS_A_IP, UNKNOWN_IP, until, type Gateway } from "./peer/harness.js";
import { findExecutable } from "../../src/mail/postfix/exec.js";
import { probeMilter } from "../../src/mail/engines/milter.js";
import { engineChecks } from "../../src/cli/doctor.js";
import { MILTER_MAP } from "../../src/mail/postfix/render.js";

async function skipReason(): Promise<string | undefined> {
  const peer = await peerSkipReason();
  if (peer) return peer;
  if (!findExecutable("clamd") || !findExecutable("clamav-milter")) return "clamd / clamav-milter are not installed (npm test installs clamav-daemon and clamav-milter from scripts/debian-packages.txt)";
  return undefined;
}
const skip = await skipReason();
const rspamdSkip = (await peerSkipReason()) ?? (findExecutable("rspamd") ? undefined : "rspamd is not installed (npm test installs it from scripts/debian-packages.txt)");
const GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

const INFECTED = Buffer.from("qaqpa test attachment that the private ClamAV database names as a virus\n");
const CLEAN = Buffer.from("an ordinary attachment: minutes of the meeting\n");

/** A foreground daemon killed in after(); its output is kept for failure messages. */
function daemon(cmd: string, args: string[]): { child: ChildProcess; output: () => string } {
  let out = "";
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(t);
}

async function tcpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

describe("ClamAV through clamav-milter: attachments in both directions", { skip }, () => {
  let dir: string;
  let g: Gateway;
  let clamd: ReturnType<typeof daemon> | undefined;
  let milter: ReturnType<typeof daemon> | undefined;
  let milterPort: number;
  let milterConf: string;
  let infectedFile: string;
  let cleanFile: string;

  const startMilter = async (): Promise<void> => {
    milter = daemon(findExecutable("clamav-milter")!, ["-c", milterConf]);
    const m = milter;
    await until(async () => (await probeMilter(`inet:127.0.0.1:${milterPort}`, 1_000).then(() => true, () => false)) || m.child.exitCode !== null, 30_000, "clamav-milter");
    assert.equal(m.child.exitCode, null, m.output());
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "qaqpa-clamav-"));
    await mkdir(join(dir, "db"));
    infectedFile = join(dir, "report.bin");
    cleanFile = join(dir, "minutes.txt");
    await writeFile(infectedFile, INFECTED);
    await writeFile(cleanFile, CLEAN);
    // The line `sigtool --md5 report.bin` prints: MD5:size:name.
    await writeFile(join(dir, "db", "qaqpa-test.hdb"), `${createHash("md5").update(INFECTED).digest("hex")}:${INFECTED.length}:Qaqpa.Test.Attachment\n`);
    const clamdPort = await freePort();
    milterPort = await freePort();
    const clamdConf = join(dir, "clamd.conf");
    await writeFile(clamdConf, ["Foreground yes", `DatabaseDirectory ${join(dir, "db")}`, "TCPAddr 127.0.0.1", `TCPSocket ${clamdPort}`, `LogFile ${join(dir, "clamd.log")}`, `PidFile ${join(dir, "clamd.pid")}`, ""].join("\n"));
    milterConf = join(dir, "clamav-milter.conf");
    await writeFile(
      milterConf,
      ["Foreground yes", `MilterSocket inet:${milterPort}@127.0.0.1`, `ClamdSocket tcp:127.0.0.1:${clamdPort}`, "OnInfected Reject", "OnFail Defer", "LogInfected Basic", `LogFile ${join(dir, "clamav-milter.log")}`, `PidFile ${join(dir, "clamav-milter.pid")}`, ""].join("\n"),
    );
    clamd = daemon(findExecutable("clamd")!, ["-c", clamdConf]);
    const c = clamd;
    await until(async () => (await tcpAnswers(clamdPort)) || c.child.exitCode !== null, 60_000, "clamd");
    assert.equal(c.child.exitCode, null, c.output());
    await startMilter();
    g = await startGateway({ policy: "none" });
    await g.instance.apply(g.systems, { engines: { clamav: { milter: `inet:127.0.0.1:${milterPort}` } } });
  });

  after(async () => {
    await g?.close();
    await stop(milter?.child);
    await stop(clamd?.child);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const send = (from: string, to: string, local: string, id: string, attachment: string) =>
    swaks(["--server", `127.0.0.1:${g.smtpPort}`, "--local-interface", local, "--from", from, "--to", to, "--header", `Message-Id: <${id}>`, "--attach", `@${attachment}`]);

  test("ok/doctor: the configured milter answers option negotiation", async () => {
    const [c] = await engineChecks({ clamav: { milter: `inet:127.0.0.1:${milterPort}` } });
    assert.equal(c?.ok, true, c?.detail);
    assert.match(c!.detail, /milter protocol \d+/);
  });

  test("ok/inbound: a clean attachment is delivered to the organisation", async () => {
    const r = await send("sender@internet.test", "clerk@a.gov.kz", UNKNOWN_IP, "clean-in@test", cleanFile);
    assert.equal(r.status, 0, r.out);
    await until(() => g.orgA.messageIds().includes("clean-in@test"), 20_000, "clean inbound delivery");
  });

  test("fail/inbound: the signed attachment is refused in the dialogue (5xx), nothing reaches the organisation", async () => {
    const r = await send("sender@internet.test", "clerk@a.gov.kz", UNKNOWN_IP, "infected-in@test", infectedFile);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /<\*\*\s+5\d\d /, r.out);
    // postlogd writes the log asynchronously.
    await until(async () => /milter-reject: END-OF-MESSAGE from [^ ]*\[127\.0\.0\.2\]: 5\.7\.1/.test(await readFile(g.instance.maillogFile, "utf8")), 10_000, "the milter-reject log line");
    assert.equal((await g.instance.queue.list()).length, 0, "nothing was queued");
    assert.ok(!g.orgA.messageIds().includes("infected-in@test"));
    assert.match(await readFile(join(dir, "clamav-milter.log"), "utf8"), /Qaqpa\.Test\.Attachment/, "refused for ClamAV's signature, not for another reason");
  });

  test("fail/outbound: a connected system's message with the attachment is refused too; its clean one goes out", async () => {
    const bad = await send("clerk@a.gov.kz", "friend@internet.test", SYS_A_IP, "infected-out@test", infectedFile);
    assert.match(bad.out, /<\*\*\s+5\d\d /, bad.out);
    const ok = await send("clerk@a.gov.kz", "friend@internet.test", SYS_A_IP, "clean-out@test", cleanFile);
    assert.equal(ok.status, 0, ok.out);
    await until(() => g.internet.messageIds().includes("clean-out@test"), 20_000, "clean outbound delivery");
    assert.ok(!g.internet.messageIds().includes("infected-out@test"));
  });

  test("fail/milter down: 4xx to the sender, nothing accepted or queued; after the restart the retry is delivered once", async () => {
    await stop(milter?.child);
    const r = await send("sender@internet.test", "clerk@a.gov.kz", UNKNOWN_IP, "while-down@test", cleanFile);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /<\*\*\s+4\d\d /, r.out);
    assert.equal((await g.instance.queue.list()).length, 0, "the sender keeps the message; the gateway holds none");
    assert.ok(!g.orgA.messageIds().includes("while-down@test"));
    await startMilter();
    const again = await send("sender@internet.test", "clerk@a.gov.kz", UNKNOWN_IP, "while-down@test", cleanFile);
    assert.equal(again.status, 0, again.out);
    await until(() => g.orgA.messageIds().includes("while-down@test"), 20_000, "delivery of the retried message");
    assert.equal(g.orgA.messageIds().filter((id) => id === "while-down@test").length, 1);
  });

  test("ok/Rspamd applies to outbound only: with it unreachable, the connected system gets 4xx while inbound still flows", async () => {
    const closed = await freePort();
    await g.instance.apply(g.systems, { engines: { clamav: { milter: `inet:127.0.0.1:${milterPort}` }, rspamd: { milter: `inet:127.0.0.1:${closed}` } } });
    assert.match(await readFile(join(g.instance.configDir, MILTER_MAP), "utf8"), new RegExp(`^${SYS_A_IP.replace(/\./g, "\\.")}/32\\tinet:127\\.0\\.0\\.1:${closed} inet:127\\.0\\.0\\.1:${milterPort}$`, "m"));
    const out = await send("clerk@a.gov.kz", "friend@internet.test", SYS_A_IP, "rspamd-down-out@test", cleanFile);
    assert.match(out.out, /<\*\*\s+4\d\d /, out.out);
    const inbound = await send("sender@internet.test", "clerk@a.gov.kz", UNKNOWN_IP, "rspamd-down-in@test", cleanFile);
    assert.equal(inbound.status, 0, inbound.out);
    await until(() => g.orgA.messageIds().includes("rspamd-down-in@test"), 20_000, "inbound delivery without Rspamd");
    const infected = await send("sender@internet.test", "clerk@a.gov.kz", UNKNOWN_IP, "infected-in-2@test", infectedFile);
    assert.match(infected.out, /<\*\*\s+5\d\d /, "ClamAV still scans inbound");
    assert.ok(!g.internet.messageIds().includes("rspamd-down-out@test"));
  });
});

describe("Rspamd through its milter: spam scoring of outbound mail only", { skip: rspamdSkip }, () => {
  let dir: string;
  let g: Gateway;
  let rspamd: ReturnType<typeof daemon> | undefined;
  let endpoint: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "qaqpa-rspamd-"));
    for (const d of ["db", "run", "log", "local"]) await mkdir(join(dir, d));
    const port = await freePort();
    endpoint = `inet:127.0.0.1:${port}`;
    await writeFile(
      join(dir, "rspamd.conf"),
      [
        '.include "$CONFDIR/common.conf"',
        "options {",
        '  pidfile = "$RUNDIR/rspamd.pid";',
        '  .include "$CONFDIR/options.inc"',
        '  dns { nameserver = ["127.0.0.1:1"]; timeout = 1s; retransmits = 1; }',
        "}",
        'logging { type = "file"; filename = "$LOGDIR/rspamd.log"; level = "info"; }',
        'worker "rspamd_proxy" {',
        `  bind_socket = "127.0.0.1:${port}";`,
        "  milter = yes;",
        "  timeout = 120s;",
        '  upstream "local" { default = yes; self_scan = yes; }',
        "  count = 1;",
        "}",
        "",
      ].join("\n"),
    );
    rspamd = daemon(findExecutable("rspamd")!, ["-f", "-i", "-u", "root", "-g", "root", "-c", join(dir, "rspamd.conf"), ...["DBDIR=db", "RUNDIR=run", "LOGDIR=log", "LOCAL_CONFDIR=local"].map((v) => `--var=${v.replace("=", `=${dir}/`)}`)]);
    const r = rspamd;
    await until(async () => (await probeMilter(endpoint, 1_000).then(() => true, () => false)) || r.child.exitCode !== null, 90_000, "rspamd");
    assert.equal(r.child.exitCode, null, r.output());
    g = await startGateway({ policy: "none" });
    await g.instance.apply(g.systems, { engines: { rspamd: { milter: endpoint } } });
  });

  after(async () => {
    await g?.close();
    await stop(rspamd?.child);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const send = (from: string, to: string, local: string, id: string, body: string) =>
    swaks(["--server", `127.0.0.1:${g.smtpPort}`, "--local-interface", local, "--from", from, "--to", to, "--header", `Message-Id: <${id}>`, "--body", body]);

  test("ok/doctor: Rspamd's proxy worker answers option negotiation", async () => {
    const [c] = await engineChecks({ rspamd: { milter: endpoint } });
    assert.equal(c?.ok, true, c?.detail);
  });

  test("fail/outbound: a connected system's GTUBE message is rejected (5xx) and never leaves", async () => {
    const r = await send("clerk@a.gov.kz", "friend@internet.test", SYS_A_IP, "gtube-out@test", GTUBE);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /<\*\*\s+554 5\.7\.1 Gtube pattern/, r.out);
    assert.equal((await g.instance.queue.list()).length, 0);
    assert.ok(!g.internet.messageIds().includes("gtube-out@test"));
  });

  test("ok/outbound: a connected system's ordinary message is delivered", async () => {
    const r = await send("clerk@a.gov.kz", "friend@internet.test", SYS_A_IP, "ham-out@test", "Minutes of the meeting are attached to the register.");
    assert.equal(r.status, 0, r.out);
    await until(() => g.internet.messageIds().includes("ham-out@test"), 20_000, "outbound delivery");
  });

  test("ok/inbound is not scored by Rspamd: the same GTUBE from the Internet reaches the organisation", async () => {
    const r = await send("sender@internet.test", "clerk@a.gov.kz", UNKNOWN_IP, "gtube-in@test", GTUBE);
    assert.equal(r.status, 0, r.out);
    await until(() => g.orgA.messageIds().includes("gtube-in@test"), 20_000, "inbound delivery");
  });
});
