import { Duplex } from "node:stream";

/**
 * A plain JS duplex over any stream. Node's HTTP/2 session, handed a server TLSSocket that wraps a socket already
 * read from (the peeked ClientHello), never sees the client's preface; over a plain duplex it uses its JS stream
 * path and reads everything. HTTP/1.1 inside bumped TLS needs no such wrapper.
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
