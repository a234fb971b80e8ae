/** Which TCP sockets a process holds, read from /proc (Linux): for tests of how listening sockets are shared. */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** A process's TCP sockets on a local port, from /proc: listening ones and established ones (Linux). */
export function socketsOn(pid: number, port: number): { listening: Set<string>; established: Set<string> } {
  const mine = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) mine.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const out = { listening: new Set<string>(), established: new Set<string>() };
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const row of readFileSync(table, "utf8").split("\n").slice(1)) {
      const f = row.trim().split(/\s+/);
      if (f.length < 10 || parseInt(f[1]!.split(":")[1]!, 16) !== port || !mine.has(f[9]!)) continue;
      if (f[3] === "0A") out.listening.add(f[9]!);
      else if (f[3] === "01") out.established.add(f[9]!);
    }
  }
  return out;
}
