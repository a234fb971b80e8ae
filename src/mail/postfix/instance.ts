/**
 * A private Postfix instance: its own configuration, queue and data directories under one directory,
 * started with `postfix -c <dir>/etc start`. Used by the all-in-one gateway (qaqpa owns its Postfix and
 * leaves the system's alone) and by the real-peer tests and benchmarks.
 *
 *   <dir>/etc     main.cf, master.cf, relay_domains(.db), transport(.db), mail_systems.cidr
 *   <dir>/queue   queue_directory (Postfix creates its subdirectories and sets their owners)
 *   <dir>/data    data_directory (owned by mail_owner)
 *   <dir>/log     maillog_file written by postlogd (Postfix ≥ 3.4), so no syslog daemon is needed
 *
 * Starting, stopping and reloading need root (Postfix's master runs as root and drops privileges). A
 * non-root process can still render and check; `checkPostfix()` tells which of these is possible here.
 */
import { chmod, chown, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { MailSystem } from "../ports.js";
import { findExecutable, runChecked, runCommand } from "./exec.js";
import { PostfixQueue } from "./queue.js";
import { renderPostfix, type RenderOptions, type RenderedPostfix } from "./render.js";

const INSTALL_HINT =
  "Install Postfix from Debian without a system configuration, so that no instance starts on port 25:\n" +
  "  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections\n" +
  "  DEBIAN_FRONTEND=noninteractive apt-get install -y postfix";

export interface PostfixCheck {
  readonly installed: boolean;
  readonly version: string | undefined;
  /** maillog_file needs Postfix ≥ 3.4 (Debian 12 ships 3.7). */
  readonly supportsMaillogFile: boolean;
  readonly commands: Readonly<Record<"postfix" | "postconf" | "postmap" | "postsuper" | "postqueue", string | undefined>>;
  /** The mail_owner account ("postfix") exists. */
  readonly mailOwner: boolean;
  /** Running as root: needed to start, stop and reload an instance. */
  readonly root: boolean;
  /** Everything needed to run a private instance is here. */
  readonly ok: boolean;
  readonly problems: readonly string[];
  /** How to fix what is missing (for `qaqpa doctor`). */
  readonly hint: string | undefined;
}

function versionAtLeast(v: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(v);
  if (!m) return false;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a > major || (a === major && b >= minor);
}

/** uid and primary gid of a system account (e.g. mail_owner "postfix", for the policy socket's group). */
export async function accountIds(name: string): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const passwd = await readFile("/etc/passwd", "utf8");
    for (const line of passwd.split("\n")) {
      const f = line.split(":");
      if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    // no /etc/passwd: not a system we can run Postfix on
  }
  return undefined;
}

/** What `qaqpa doctor` reports about Postfix. Never throws. */
export async function checkPostfix(): Promise<PostfixCheck> {
  const commands = {
    postfix: findExecutable("postfix"),
    postconf: findExecutable("postconf"),
    postmap: findExecutable("postmap"),
    postsuper: findExecutable("postsuper"),
    postqueue: findExecutable("postqueue"),
  };
  const problems: string[] = [];
  let version: string | undefined;
  if (commands.postconf) {
    try {
      const r = await runCommand(commands.postconf, ["-d", "-h", "mail_version"], { timeoutMs: 10_000 });
      if (r.code === 0) version = r.stdout.trim();
    } catch {
      // reported below
    }
  }
  const missing = Object.entries(commands)
    .filter(([, p]) => p === undefined)
    .map(([n]) => n);
  if (missing.length > 0) problems.push(`Postfix commands not found: ${missing.join(", ")}`);
  if (commands.postconf && !version) problems.push("postconf did not report mail_version");
  const supportsMaillogFile = version !== undefined && versionAtLeast(version, 3, 4);
  if (version && !supportsMaillogFile) problems.push(`Postfix ${version} is older than 3.4 (no maillog_file)`);
  const mailOwner = (await accountIds("postfix")) !== undefined;
  if (!mailOwner) problems.push("the 'postfix' account does not exist");
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (!root) problems.push("not running as root: a Postfix instance cannot be started, stopped or reloaded");
  const installed = missing.length === 0 && version !== undefined;
  return {
    installed,
    version,
    supportsMaillogFile,
    commands,
    mailOwner,
    root,
    ok: problems.length === 0,
    problems,
    hint: installed && mailOwner ? (root ? undefined : "run the mail gateway as root (Postfix's master must start as root)") : INSTALL_HINT,
  };
}

export type InstanceRenderOptions = Omit<RenderOptions, "configDirectory" | "queueDirectory" | "dataDirectory" | "maillogFile">;

async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, file);
}

export class PostfixInstance {
  readonly dir: string;
  readonly configDir: string;
  readonly queueDir: string;
  readonly dataDir: string;
  readonly maillogFile: string;
  readonly queue: PostfixQueue;
  readonly #bin: { postfix: string; postmap: string };
  #options: InstanceRenderOptions;
  #started = false;

  private constructor(dir: string, options: InstanceRenderOptions, bin: { postfix: string; postmap: string; postsuper: string; postqueue: string }) {
    this.dir = dir;
    this.configDir = join(dir, "etc");
    this.queueDir = join(dir, "queue");
    this.dataDir = join(dir, "data");
    this.maillogFile = join(dir, "log", "maillog");
    this.#options = options;
    this.#bin = { postfix: bin.postfix, postmap: bin.postmap };
    this.queue = new PostfixQueue({ configDir: this.configDir, postsuper: bin.postsuper, postqueue: bin.postqueue });
  }

  /** Creates the directory layout (idempotent). `dir` must be an absolute path the postfix account can traverse. */
  static async create(dir: string, options: InstanceRenderOptions): Promise<PostfixInstance> {
    const check = await checkPostfix();
    const { postfix, postmap, postsuper, postqueue } = check.commands;
    if (!postfix || !postmap || !postsuper || !postqueue) throw new Error(`Postfix is not installed.\n${INSTALL_HINT}`);
    const inst = new PostfixInstance(dir, options, { postfix, postmap, postsuper, postqueue });
    await mkdir(inst.configDir, { recursive: true });
    await mkdir(inst.queueDir, { recursive: true });
    await mkdir(inst.dataDir, { recursive: true });
    await mkdir(join(dir, "log"), { recursive: true });
    // The unprivileged daemons must reach the queue: the instance directory is world-traversable
    // (mkdtemp makes it 0700), its contents keep their own modes.
    await chmod(dir, 0o755);
    const owner = await accountIds(options.mailOwner ?? "postfix");
    if (owner && typeof process.getuid === "function" && process.getuid() === 0) await chown(inst.dataDir, owner.uid, owner.gid);
    return inst;
  }

  renderOptions(): RenderOptions {
    return { ...this.#options, configDirectory: this.configDir, queueDirectory: this.queueDir, dataDirectory: this.dataDir, maillogFile: this.maillogFile };
  }

  /** Renders for `systems`, writes the files, rebuilds the hash maps, and reloads a running instance. */
  async apply(systems: readonly MailSystem[], options?: Partial<InstanceRenderOptions>): Promise<RenderedPostfix> {
    if (options) this.#options = { ...this.#options, ...options };
    const r = renderPostfix(systems, this.renderOptions());
    for (const [name, content] of Object.entries(r.maps)) await writeAtomic(join(this.configDir, name), content);
    await writeAtomic(join(this.configDir, "master.cf"), r.masterCf);
    await writeAtomic(join(this.configDir, "main.cf"), r.mainCf);
    // postmap reads main.cf (-c) for the database defaults, so it runs after main.cf is in place. Running
    // daemons notice the rebuilt .db files and restart themselves; the reload below covers main.cf.
    for (const name of r.hashMaps) await runChecked(this.#bin.postmap, ["-c", this.configDir, `hash:${join(this.configDir, name)}`]);
    if (this.#started) await this.reload();
    return r;
  }

  async #postfix(...args: string[]): Promise<void> {
    await runChecked(this.#bin.postfix, ["-c", this.configDir, ...args], { timeoutMs: 60_000 });
  }

  /**
   * `postfix check` then `postfix start` — or `postfix reload` when this instance's master is already
   * running: Postfix outlives a killed qaqpa, and the restarted control plane takes it over with the
   * configuration it has just written (the queue was never interrupted).
   */
  async start(): Promise<void> {
    await this.#postfix("check");
    if ((await this.masterPid()) !== undefined) await this.reload();
    else await this.#postfix("start");
    this.#started = true;
  }

  async reload(): Promise<void> {
    await this.#postfix("reload");
  }

  /** Asks the queue manager to retry all deferred mail now (`postqueue -f`). */
  async flush(): Promise<void> {
    await runChecked(this.queue.postqueuePath, ["-c", this.configDir, "-f"]);
  }

  async masterPid(): Promise<number | undefined> {
    try {
      const pid = Number((await readFile(join(this.queueDir, "pid", "master.pid"), "utf8")).trim());
      if (!Number.isInteger(pid) || pid <= 0) return undefined;
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  /**
   * Stops the instance and waits until its master has exited; if it does not within `timeoutMs`, aborts
   * it and finally kills the master. Safe to call when it is not running.
   */
  async stop(timeoutMs = 15_000): Promise<void> {
    const pid = await this.masterPid();
    this.#started = false;
    if (pid === undefined) return;
    await runCommand(this.#bin.postfix, ["-c", this.configDir, "stop"], { timeoutMs }).catch(() => undefined);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!alive(pid)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    await runCommand(this.#bin.postfix, ["-c", this.configDir, "abort"], { timeoutMs: 10_000 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    if (alive(pid)) process.kill(pid, "SIGKILL");
  }

  /** Stops the instance and removes its directory. */
  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
