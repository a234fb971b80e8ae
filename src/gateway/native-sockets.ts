/**
 * The socket addon (native/sockets): three socket operations Node 20 has no binding for. Optional — where it
 * did not build (not Linux, no compiler) the callers fall back: the transparent REDIRECT listener reads
 * /proc/net/nf_conntrack, cluster workers share one listening socket, and every worker accepts on all of the
 * descriptors systemd handed over. `qaqpa doctor` says which.
 */
import { createRequire } from "node:module";

export interface SocketsBinding {
  /** getsockopt(SO_ORIGINAL_DST): null when the socket has no conntrack entry; throws on any other failure. */
  originalDestination(fd: number, ipv6: boolean): { ip: string; port: number } | null;
  /** A TCP socket bound to host:port with SO_REUSEPORT, not listening yet; throws with the errno's code. */
  reusePortSocket(host: string, port: number): { fd: number; port: number };
  /** fcntl(F_DUPFD_CLOEXEC): a duplicate of a descriptor this process holds; throws with the errno's code. */
  dupDescriptor(fd: number): number;
}

let loaded: SocketsBinding | null | undefined;
export function socketsBinding(): SocketsBinding | null {
  if (loaded === undefined) {
    try {
      loaded = (createRequire(import.meta.url)("../../native/sockets/index.cjs") as { binding: SocketsBinding | null }).binding;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}
