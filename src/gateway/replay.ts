/**
 * A duplex that first yields bytes already read from a socket, then the socket's own stream.
 *
 * Why: the gateway must read the ClientHello before it decides (peek, then choose), but tls.TLSSocket over a
 * net.Socket attaches to the native handle and never sees bytes the JS stream already consumed — `unshift`
 * does not reach it. Wrapping in a JS duplex makes TLS read through JavaScript, replayed bytes first.
 */
import { Duplex } from "node:stream";
import type net from "node:net";

export function replayed(socket: net.Socket, first: Buffer): Duplex {
  const d = new Duplex({
    allowHalfOpen: false,
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (socket.destroyed) return cb(new Error("socket closed"));
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  if (first.length) d.push(first);
  socket.on("data", (chunk: Buffer) => {
    if (!d.push(chunk)) socket.pause();
  });
  socket.on("end", () => d.push(null));
  socket.on("close", () => d.destroy());
  socket.on("error", (e) => d.destroy(e));
  return d;
}

/**
 * A plain JS duplex over any stream. Node's HTTP/2 session cannot run on a TLSSocket whose own transport is a
 * JS stream (it reaches for a native handle that is not there); over a plain duplex it uses its JS stream path.
 */
export function relay(inner: Duplex): Duplex {
  const d = new Duplex({
    read() {
      inner.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (inner.destroyed) return cb(new Error("stream closed"));
      inner.write(chunk, cb);
    },
    final(cb) {
      inner.end();
      cb();
    },
    destroy(err, cb) {
      inner.destroy();
      cb(err);
    },
  });
  inner.on("data", (chunk: Buffer) => {
    if (!d.push(chunk)) inner.pause();
  });
  inner.on("end", () => d.push(null));
  inner.on("close", () => d.destroy());
  inner.on("error", (e) => d.destroy(e));
  return d;
}
