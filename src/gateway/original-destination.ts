/**
 * Where a transparently intercepted connection was going. Node cannot read SO_ORIGINAL_DST (a getsockopt with
 * no binding), so the transparent listeners ask one of two strategies, each matching a way to steer traffic:
 *
 *  - `local-address`: the accepted socket's own local address and port. Correct under iptables/nftables TPROXY,
 *    where the kernel hands the listener the connection with the original destination as its local address
 *    (and what the loopback tests do by binding listeners to 127.0.0.x).
 *  - `conntrack`: for REDIRECT/DNAT, the local address is the gateway's own; the original tuple is in the
 *    connection-tracking table, which the kernel exposes as text in /proc/net/nf_conntrack. The entry whose
 *    original source is the client and whose reply source port is the listener's gives the original destination.
 *
 * The rules that go with each are in docs/operations.md ("Transparent mode").
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type net from "node:net";

export interface Destination {
  readonly ip: string;
  readonly port: number;
}

export type OriginalDestinationMode = "local-address" | "conntrack";

export interface OriginalDestination {
  readonly mode: OriginalDestinationMode;
  /** Null when the destination cannot be established: the connection is then refused. */
  of(socket: net.Socket): Promise<Destination | null>;
}

function unmapped(a: string): string {
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

export const localAddress: OriginalDestination = {
  mode: "local-address",
  async of(socket) {
    if (!socket.localAddress || !socket.localPort) return null;
    return { ip: unmapped(socket.localAddress), port: socket.localPort };
  },
};

/**
 * The original destination of one TCP connection in nf_conntrack text. A line holds two tuples (original
 * direction, then reply): `src= dst= sport= dport=` each. After REDIRECT, the reply tuple's source port is the
 * listener's port and its destination is the client; the original tuple's destination is what the client dialled.
 */
export function findOriginalDestination(text: string, c: { clientIp: string; clientPort: number; listenerPort: number }): Destination | null {
  for (const line of text.split("\n")) {
    const d = matchLine(line, c);
    if (d) return d;
  }
  return null;
}

/** One nf_conntrack line: the original destination if it is the client's redirected connection to the listener. */
function matchLine(line: string, c: { clientIp: string; clientPort: number; listenerPort: number }): Destination | null {
  if (!line.includes(" tcp ") || !line.includes(`sport=${c.clientPort} `)) return null;
  const tuples: Record<string, string>[] = [];
  for (const f of line.trim().split(/\s+/)) {
    const eq = f.indexOf("=");
    if (eq < 0) continue;
    const k = f.slice(0, eq);
    if (k === "src") tuples.push({});
    const t = tuples[tuples.length - 1];
    if (t && (k === "src" || k === "dst" || k === "sport" || k === "dport") && !(k in t)) t[k] = f.slice(eq + 1);
  }
  const [orig, reply] = tuples;
  if (!orig || !reply) return null;
  if (orig.src !== c.clientIp || orig.sport !== String(c.clientPort)) return null;
  if (reply.sport !== String(c.listenerPort) || reply.dst !== c.clientIp) return null;
  const port = Number(orig.dport);
  if (!orig.dst || !Number.isInteger(port) || port <= 0 || port > 65535) return null;
  return { ip: orig.dst, port };
}

export function conntrack(file = "/proc/net/nf_conntrack"): OriginalDestination {
  return {
    mode: "conntrack",
    async of(socket) {
      const clientIp = unmapped(socket.remoteAddress ?? "");
      if (!clientIp || !socket.remotePort || !socket.localPort) return null;
      // Streamed line by line and stopped at the match: the table can be large, and a new entry is near its end
      // as often as its start.
      const c = { clientIp, clientPort: socket.remotePort, listenerPort: socket.localPort };
      const input = createReadStream(file, { encoding: "utf8", highWaterMark: 64 * 1024 });
      const lines = createInterface({ input, crlfDelay: Infinity });
      try {
        for await (const line of lines) {
          const d = matchLine(line, c);
          if (d) return d;
        }
      } catch {
        return null; // no table (module not loaded, no permission): no destination, the flow is refused
      } finally {
        lines.close();
        input.destroy();
      }
      return null;
    },
  };
}
