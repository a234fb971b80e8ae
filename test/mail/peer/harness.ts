/**
 * Real-peer harness: a private Postfix on loopback high ports, the policy service, and SMTP sinks playing
 * two organisations' servers and "the Internet". Only 127.0.0.0/8 is used:
 *
 *   127.0.0.3  server of mail system "sys-a" (a.gov.kz)      127.0.0.2  an unknown client (the Internet)
 *   127.0.0.4  server of mail system "sys-b" (b.gov.kz)      127.0.0.1  Postfix, policy service, sinks
 *
 * Postfix cannot listen on port 0, so free ports are found by binding port 0 in Node, closing, and
 * handing the number to Postfix.
 */
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryAudit, MemoryMailSystemDirectory, MemoryOutbox } from "../../../src/mail/memory.js";
import type { MailSystem } from "../../../src/mail/ports.js";
import { followLog, type LogFollower } from "../../../src/mail/log/tail.js";
import type { DetectorLimits } from "../../../src/mail/policy/detector.js";
import { MailPolicyService } from "../../../src/mail/policy/server.js";
import { accountIds, checkPostfix, PostfixInstance } from "../../../src/mail/postfix/instance.js";
import { findExecutable, runCommand } from "../../../src/mail/postfix/exec.js";
import { SmtpSink } from "../../../src/mail/testing/smtp-sink.js";
import { SmtpClient, buildMessage, type SendResult } from "../../../src/mail/testing/smtp-client.js";
import { AuthFilter, classifyBySnapshot, deliveryBehindFilter, type AuthFilterOptions } from "../../../src/mail/auth/filter.js";

export const SYS_A_IP = "127.0.0.3";
export const SYS_B_IP = "127.0.0.4";
export const UNKNOWN_IP = "127.0.0.2";
export const STS = "duty@sts.kz";

/** Why the real-peer tests cannot run here, or undefined when they can. */
export async function peerSkipReason(): Promise<string | undefined> {
  const pf = await checkPostfix();
  if (!pf.installed) return "Postfix is not installed (npm test installs it from scripts/debian-packages.txt)";
  if (!pf.root) return "a private Postfix instance can only be started as root";
  if (!pf.mailOwner) return "the postfix account does not exist";
  if (!pf.supportsMaillogFile) return `Postfix ${pf.version} has no maillog_file (needs ≥ 3.4)`;
  if (!findExecutable("swaks")) return "swaks is not installed (npm test installs it from scripts/debian-packages.txt)";
  return undefined;
}

export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function systems(orgA: number, orgB: number): MailSystem[] {
  return [
    {
      id: "sys-a",
      organisationId: "org-a",
      name: "Ministry A",
      domains: ["a.gov.kz"],
      serverAddresses: [SYS_A_IP],
      inbound: { host: "127.0.0.1", port: orgA },
      ownerEmail: "admin@a.gov.kz",
      suspension: null,
    },
    {
      id: "sys-b",
      organisationId: "org-b",
      name: "Akimat B",
      domains: ["b.gov.kz"],
      serverAddresses: [SYS_B_IP],
      inbound: { host: "127.0.0.1", port: orgB },
      ownerEmail: "admin@b.gov.kz",
      suspension: null,
    },
  ];
}

export interface GatewayOptions {
  /**
   * "in-process": MailPolicyService in this process on loopback TCP; "in-process-unix": the same on a
   * UNIX-domain socket in the instance directory; "none": Postfix without policy; a port: external.
   */
  readonly policy: "in-process" | "in-process-unix" | "none" | { readonly port: number };
  readonly detectorLimits?: Partial<DetectorLimits>;
  readonly holdGraceMs?: number;
  readonly tuning?: Record<string, string>;
  /** Run the authentication filter as Postfix's content filter (needs the in-process policy service). */
  readonly authFilter?: Pick<AuthFilterOptions, "verifier" | "signer" | "record">;
  /** Postfix's content filter is an external process on this port, re-injecting on `reinjectPort`. */
  readonly externalFilter?: { readonly port: number; readonly reinjectPort: number };
}

export interface Gateway {
  readonly instance: PostfixInstance;
  readonly smtpPort: number;
  readonly policy: MailPolicyService | undefined;
  readonly orgA: SmtpSink;
  readonly orgB: SmtpSink;
  readonly internet: SmtpSink;
  readonly directory: MemoryMailSystemDirectory;
  readonly outbox: MemoryOutbox;
  readonly audit: MemoryAudit;
  readonly systems: readonly MailSystem[];
  readonly filter: AuthFilter | undefined;
  close(): Promise<void>;
}

/** Short queue backoff so deferred and released mail is retried within a test's time. */
export const FAST_QUEUE: Record<string, string> = {
  minimal_backoff_time: "1s",
  maximal_backoff_time: "2s",
  queue_run_delay: "1s",
  smtp_connect_timeout: "5s",
};

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const cleanup: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  };
  try {
    const orgA = new SmtpSink({ hostname: "mx.a.gov.kz" });
    const orgB = new SmtpSink({ hostname: "mx.b.gov.kz" });
    const internet = new SmtpSink({ hostname: "mx.internet.test" });
    for (const s of [orgA, orgB, internet]) {
      await s.start();
      cleanup.push(() => s.close());
    }
    const sys = systems(orgA.port, orgB.port);
    const directory = new MemoryMailSystemDirectory(sys);
    const outbox = new MemoryOutbox();
    const audit = new MemoryAudit();
    const dir = await mkdtemp(join(tmpdir(), "qaqpa-postfix-"));
    const smtpPort = await freePort();
    const instance = await PostfixInstance.create(dir, {
      myhostname: "ugem.test.kz",
      listen: [{ host: "127.0.0.1", port: smtpPort }],
      inetProtocols: "ipv4",
      policy: null,
      internetRelay: { host: "127.0.0.1", port: internet.port },
      rateLimits: null,
      postmasterAddress: STS,
      extra: { ...FAST_QUEUE, ...o.tuning },
    });
    cleanup.push(() => instance.destroy());
    let policy: MailPolicyService | undefined;
    let policyPort: number | undefined;
    let policyPath: string | undefined;
    if (o.policy === "in-process" || o.policy === "in-process-unix") {
      if (o.policy === "in-process-unix") policyPath = join(dir, "policy.sock");
      const gid = (await accountIds("postfix"))?.gid;
      policy = new MailPolicyService({
        ...(policyPath ? { socketPath: policyPath, ...(gid !== undefined ? { socketGid: gid } : {}) } : {}),
        directory,
        outbox,
        audit,
        queue: instance.queue,
        stsAddress: STS,
        ...(o.detectorLimits ? { detectorLimits: o.detectorLimits } : {}),
        ...(o.authFilter || o.externalFilter ? { countsDelivery: deliveryBehindFilter } : {}),
        holdGraceMs: o.holdGraceMs ?? 500,
      });
      policyPort = (await policy.start()).port;
      const p = policy;
      cleanup.push(() => p.close());
    } else if (o.policy !== "none") {
      policyPort = o.policy.port;
    }
    let filter: AuthFilter | undefined;
    let contentFilter: { filter: { host: string; port: number }; reinject: { host: string; port: number } } | undefined;
    if (o.authFilter) {
      const p = policy;
      if (!p) throw new Error("the authentication filter classifies by the in-process policy service's snapshot");
      const reinject = { host: "127.0.0.1", port: await freePort() };
      const f = new AuthFilter({ ...o.authFilter, reinject, classify: classifyBySnapshot(() => p.snapshot), hostname: "ugem.test.kz" });
      await f.start();
      cleanup.push(() => f.close());
      filter = f;
      contentFilter = { filter: { host: "127.0.0.1", port: f.port }, reinject };
    } else if (o.externalFilter) {
      contentFilter = { filter: { host: "127.0.0.1", port: o.externalFilter.port }, reinject: { host: "127.0.0.1", port: o.externalFilter.reinjectPort } };
    }
    await instance.apply(sys, {
      policy: policyPath ? { path: policyPath, timeoutSeconds: 10 } : policyPort === undefined ? null : { host: "127.0.0.1", port: policyPort, timeoutSeconds: 10 },
      ...(contentFilter ? { contentFilter } : {}),
    });
    await instance.start();
    let follower: LogFollower | undefined;
    if (policy) {
      const p = policy;
      follower = followLog(instance.maillogFile, (l) => p.observeLogLine(l), { fromStart: true, pollMs: 100 });
      const f = follower;
      cleanup.push(() => f.close());
    }
    await waitForSmtp(smtpPort);
    return { instance, smtpPort, policy, orgA, orgB, internet, directory, outbox, audit, systems: sys, filter, close };
  } catch (e) {
    await close();
    throw e;
  }
}

async function waitForSmtp(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const c = await SmtpClient.connect({ host: "127.0.0.1", port, timeoutMs: 5_000 });
      await c.quit();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Runs swaks (the independent SMTP client); resolves with its exit status and transcript. Asynchronous on
 * purpose: the policy service under test runs in this process and must keep answering meanwhile.
 */
export async function swaks(args: readonly string[]): Promise<{ status: number | null; out: string }> {
  const r = await runCommand(findExecutable("swaks") ?? "swaks", [...args, "--timeout", "30"], { timeoutMs: 60_000 });
  return { status: r.code, out: `${r.stdout}\n${r.stderr}` };
}

/** Sends `n` messages from `localAddress` over one connection; each carries a unique Message-ID. */
export async function sendMany(
  g: { smtpPort: number },
  o: { localAddress: string; from: string; to: (i: number) => string; n: number; idPrefix: string },
): Promise<{ id: string; result: SendResult }[]> {
  const client = await SmtpClient.connect({ host: "127.0.0.1", port: g.smtpPort, localAddress: o.localAddress, helo: "mail.test" });
  const out: { id: string; result: SendResult }[] = [];
  try {
    for (let i = 0; i < o.n; i++) {
      const id = `${o.idPrefix}-${i}@test`;
      const to = o.to(i);
      out.push({ id, result: await client.send({ from: o.from, to: [to], data: buildMessage({ from: o.from, to: [to], subject: `m ${i}`, messageId: id }) }) });
    }
  } finally {
    await client.quit();
  }
  return out;
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
