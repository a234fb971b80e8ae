/**
 * Where an HTTP/1.1 message body ends, for a proxy that relays the body's bytes unchanged (sans-IO).
 *
 *   new BodyFramer(head.framing) ─▶ push(bytes) … ─▶ { bytes of this message, payload size, done, rest }
 *                                 ─▶ eof()         ─▶ complete (until-close) | truncated
 *
 * The relayed bytes keep their framing: a chunked body goes out chunked as it came in (the decoder only
 * checks it and finds its end, trailers included), a Content-Length body is counted. `rest` holds the bytes
 * after the message (the next pipelined request, or bytes an upstream must not send), never relayed as this
 * message. `payload` counts body bytes without chunk framing, for the decision log.
 */
import { ChunkedDecoder, type ChunkedErrorCode } from "./http1-chunked.js";
import type { BodyFraming } from "./http1-head.js";

export type BodyStep =
  | { readonly kind: "body"; readonly bytes: Buffer; readonly payload: number; readonly done: boolean; readonly rest: Buffer }
  | { readonly kind: "error"; readonly code: ChunkedErrorCode | "tunnel"; readonly message: string };

const EMPTY = Buffer.alloc(0);

export class BodyFramer {
  readonly #framing: BodyFraming;
  #left: number; // bytes still to come of a Content-Length body
  #chunked: ChunkedDecoder | null = null;
  #done: boolean;
  #failed = false;

  constructor(framing: BodyFraming) {
    this.#framing = framing;
    this.#left = framing.kind === "length" ? framing.length : 0;
    this.#done = framing.kind === "none" || (framing.kind === "length" && framing.length === 0);
    if (framing.kind === "chunked") this.#chunked = new ChunkedDecoder();
  }

  /** True once the whole body has been seen (a body that runs until close is never done before eof()). */
  get done(): boolean {
    return this.#done;
  }

  push(input: Buffer): BodyStep {
    if (this.#failed) return { kind: "error", code: "bad-chunk-size", message: "body framing already failed" };
    if (this.#done) return { kind: "body", bytes: EMPTY, payload: 0, done: true, rest: input };
    switch (this.#framing.kind) {
      case "until-close":
        return { kind: "body", bytes: input, payload: input.length, done: false, rest: EMPTY };
      case "length": {
        const take = Math.min(this.#left, input.length);
        this.#left -= take;
        this.#done = this.#left === 0;
        return { kind: "body", bytes: input.subarray(0, take), payload: take, done: this.#done, rest: input.subarray(take) };
      }
      case "chunked": {
        let payload = 0;
        for (const e of this.#chunked!.push(input)) {
          if (e.kind === "data") payload += e.data.length;
          else if (e.kind === "error") {
            this.#failed = true;
            return { kind: "error", code: e.code, message: e.message };
          } else if (e.kind === "end") {
            this.#done = true;
            return { kind: "body", bytes: input.subarray(0, e.rest), payload, done: true, rest: input.subarray(e.rest) };
          }
        }
        return { kind: "body", bytes: input, payload, done: false, rest: EMPTY };
      }
      default:
        this.#failed = true;
        return { kind: "error", code: "tunnel", message: "a tunnel is not a message body" };
    }
  }

  /** The peer closed: a body that runs until close is complete, any other unfinished body is truncated. */
  eof(): "complete" | "truncated" {
    if (this.#done) return "complete";
    if (this.#framing.kind === "until-close" && !this.#failed) {
      this.#done = true;
      return "complete";
    }
    return "truncated";
  }
}
