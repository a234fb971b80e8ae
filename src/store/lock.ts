/**
 * An exclusive lock on a data directory. PGlite does not lock its directory and two processes opening it
 * corrupt it (duplicate keys, lost rows), so the store refuses to open without this lock.
 * The lock file is created with O_EXCL; a lock left by a process that no longer exists on this host is reclaimed.
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync, mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { Problem } from "../contract/problem.js";

export interface DirLock {
  readonly path: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function lockDataDir(dir: string): DirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "qaqpa.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
      process.once("exit", release);
      return { path, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let holder: { pid?: number; host?: string; since?: string } = {};
      try {
        holder = JSON.parse(readFileSync(path, "utf8"));
      } catch {
        /* a half-written lock file: treat as held unless stale below */
      }
      const sameHost = holder.host === hostname();
      if (attempt === 0 && sameHost && typeof holder.pid === "number" && holder.pid !== process.pid && !alive(holder.pid)) {
        unlinkSync(path); // stale: its process is gone
        continue;
      }
      throw new Problem(
        "QQ_ERR_DATA_DIR_LOCKED",
        `data directory ${dir} is in use by pid ${holder.pid ?? "?"} on ${holder.host ?? "?"} since ${holder.since ?? "?"}; stop that process or use another QAQPA_DATA_DIR`,
      );
    }
  }
  throw new Problem("QQ_ERR_DATA_DIR_LOCKED", `could not take the lock on ${dir}`);
}
