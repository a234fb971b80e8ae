/**
 * Where a transparently intercepted connection was going. Node cannot read SO_ORIGINAL_DST (a getsockopt with
 * no binding), so the transparent listeners ask one of two strategies, each matching a way to steer traffic:
 *
 *  - `local-address`: the accepted socket's own local address and port. Correct under iptables/nftables TPROXY,
 *    where the kernel hands the listener the connection with the original destination as its local address
 *    (and what the loopback tests do by binding listeners to 127.0.0.x).
 *  - `conntrack`: for REDIRECT/DNAT, the local address is the gateway's own; the original tuple is in the
 *    connection-tracking table. The kernel gives it for one socket through getsockopt(SO_ORIGINAL_DST), which
 *    the small addon in native/sockets binds (Node has no binding of its own): one system call, no
 *    privilege, whatever the table's size. Where the addon was not built, the table is read as text from
 *    /proc/net/nf_conntrack: the entry whose original source is the client and whose reply source port is the
 *    listener's gives the original destination — time in proportion to the table, on every new connection.
 *
 * The rules that go with each are in docs/operations.md ("Transparent mode").
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import net from "node:net";
import { socketsBinding, type SocketsBinding } from "./native-sockets.js";

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

/** The SO_ORIGINAL_DST part of the socket addon (native/sockets). */
export type OriginalDstBinding = Pick<SocketsBinding, "originalDestination">;

/** The addon, or null where it was not built (not Linux, no compiler): then the text table is read. */
export const originalDstBinding = (): OriginalDstBinding | null => socketsBinding();

/** The socket's file descriptor: Node keeps it on the TCP handle, on POSIX systems. */
function fdOf(socket: net.Socket): number | null {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : null;
}

export interface ConntrackOptions {
  /** The text table to read instead of asking the kernel for the socket's entry (tests, or no addon). */
  file?: string;
  /** Defaults to the built addon; null forces the text table. */
  binding?: OriginalDstBinding | null;
}

export interface ConntrackDestination extends OriginalDestination {
  /** How the entry is read: one getsockopt per connection, or a scan of the text table. */
  readonly source: "getsockopt" | "proc";
}

export function conntrack(o: ConntrackOptions = {}): ConntrackDestination {
  const binding = o.file !== undefined ? (o.binding ?? null) : o.binding === undefined ? originalDstBinding() : o.binding;
  const file = o.file ?? "/proc/net/nf_conntrack";
  const fromTable = async (socket: net.Socket): Promise<Destination | null> => {
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
  };
  const fromSocket = (socket: net.Socket, b: OriginalDstBinding): Destination | null => {
    const fd = fdOf(socket);
    if (fd === null || !socket.localAddress) return null;
    let d: Destination | null;
    try {
      d = b.originalDestination(fd, net.isIPv6(unmapped(socket.localAddress)));
    } catch {
      return null; // no netfilter, or the socket is gone: no destination, the flow is refused
    }
    return d && { ip: unmapped(d.ip), port: d.port };
  };
  return {
    mode: "conntrack",
    source: binding ? "getsockopt" : "proc",
    async of(socket) {
      const d = binding ? fromSocket(socket, binding) : await fromTable(socket);
      // A connection made to the listener itself was not redirected: its "original destination" is the listener.
      if (d && d.ip === unmapped(socket.localAddress ?? "") && d.port === socket.localPort) return null;
      return d;
    },
  };
}
