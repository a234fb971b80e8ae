/**
 * Follows a log file written by Postfix's postlogd (`maillog_file`): polls for growth, survives truncation
 * and replacement (rotation by `postfix logrotate` or logrotate's copytruncate), and hands out whole lines.
 * Polling rather than fs.watch: inotify does not see writes through every filesystem, and a quarter-second
 * delay is irrelevant to hourly delivery shares.
 */
import { open, stat, type FileHandle } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";

export interface LogFollower {
  close(): Promise<void>;
  /** Reads whatever is new now (tests call it instead of waiting for the timer). */
  poll(): Promise<void>;
}

export interface FollowOptions {
  /** Start at the beginning of the file instead of its end. */
  readonly fromStart?: boolean;
  readonly pollMs?: number;
  readonly onError?: (e: unknown) => void;
}

export function followLog(path: string, onLine: (line: string) => void, opts: FollowOptions = {}): LogFollower {
  let fh: FileHandle | undefined;
  let ino = -1;
  let offset = -1;
  let partial = "";
  let decoder = new StringDecoder("utf8");
  let closed = false;
  let running: Promise<void> | undefined;
  const buf = Buffer.alloc(64 * 1024);

  const readNew = async (): Promise<void> => {
    let st;
    try {
      st = await stat(path);
    } catch {
      return; // not created yet (Postfix creates it on the first log line)
    }
    if (!fh || st.ino !== ino) {
      await fh?.close();
      fh = await open(path, "r");
      const first = ino === -1;
      ino = st.ino;
      offset = first && !opts.fromStart ? st.size : 0;
      partial = "";
      decoder = new StringDecoder("utf8");
    }
    if (st.size < offset) {
      offset = 0; // truncated
      partial = "";
      decoder = new StringDecoder("utf8");
    }
    while (offset < st.size && !closed) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      const text = partial + decoder.write(buf.subarray(0, bytesRead));
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      if (partial.length > 65536) partial = ""; // a runaway line: drop it rather than grow without bound
      for (const l of lines) if (l !== "") onLine(l);
    }
  };

  const poll = (): Promise<void> => {
    running ??= readNew()
      .catch((e) => opts.onError?.(e))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(() => void poll(), opts.pollMs ?? 250);
  timer.unref();
  void poll();

  return {
    poll,
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      await fh?.close();
      fh = undefined;
    },
  };
}
