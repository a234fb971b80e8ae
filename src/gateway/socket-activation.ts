/**
 * Listening sockets handed over by the service manager (systemd socket activation, sd_listen_fds(3)): file
 * descriptors 3, 4, … named by LISTEN_FDNAMES, valid only for the process LISTEN_PID names.
 *
 * Why the gateway needs it: under TPROXY the kernel delivers intercepted connections only to a listening socket
 * with IP_TRANSPARENT set, which Node cannot set; a `.socket` unit with `Transparent=yes` can, and hands the
 * socket over (docs/operations.md, "Transparent mode").
 */
export const TRANSPARENT_HTTP_SOCKET = "qaqpa-transparent-http";
export const TRANSPARENT_TLS_SOCKET = "qaqpa-transparent-tls";

/**
 * The descriptors by name, in the order given. A name may have several: one per instance of a socket unit
 * template with `ReusePort=yes` (deploy/systemd/qaqpa-transparent-tls@.socket), so that each cluster worker
 * accepts on a socket of its own (cluster.ts, `listenerShare`).
 */
export function inheritedSockets(env: NodeJS.ProcessEnv = process.env, pid = process.pid): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (env.LISTEN_PID !== String(pid)) return out;
  const n = Number(env.LISTEN_FDS);
  if (!Number.isInteger(n) || n <= 0 || n > 64) return out;
  const names = (env.LISTEN_FDNAMES ?? "").split(":");
  for (let i = 0; i < n; i++) {
    const name = names[i] || `fd${3 + i}`;
    const fds = out.get(name);
    if (fds) fds.push(3 + i);
    else out.set(name, [3 + i]);
  }
  return out;
}
