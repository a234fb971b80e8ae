/**
 * Running Postfix's administrative commands: argument vectors only (no shell), input on stdin, output
 * captured, a time limit. Postfix installs them in /usr/sbin, which is not on every user's PATH.
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class PostfixCommandError extends Error {
  override name = "PostfixCommandError";
  constructor(readonly command: readonly string[], readonly result: CommandResult) {
    super(`${command.join(" ")} failed (${result.signal ?? `exit ${result.code}`}): ${result.stderr.trim().slice(0, 500)}`);
  }
}

export function runCommand(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env: opts.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin.on("error", () => {}); // the command may exit before reading all input; its exit code tells
    child.stdin.end(opts.input ?? "");
  });
}

export async function runChecked(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  const r = await runCommand(cmd, args, opts);
  if (r.code !== 0) throw new PostfixCommandError([cmd, ...args], r);
  return r;
}

const SBIN_DIRS = ["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/usr/local/bin"];

/** Absolute path of an executable found on PATH or in the sbin directories, or undefined. */
export function findExecutable(name: string, path = process.env["PATH"] ?? ""): string | undefined {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...SBIN_DIRS]) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
