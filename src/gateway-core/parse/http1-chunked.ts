/**
 * Chunked transfer coding decoder (RFC 9112 §7.1): the proxy must find where a chunked body ends to keep a
 * connection's messages apart, whichever way it then forwards the bytes.
 *
 * Primitives:
 *   new ChunkedDecoder()          one per chunked message body
 *   decoder.push(bytes) → events  bytes in, events out (sans-IO); never throws
 *
 * Events, in order: { data } (a view into the pushed buffer, not a copy), { trailers } once, then { end }
 * with the offset in the last pushed buffer where the next message begins; or one { error }, which is
 * sticky. After 'end', a push answers 'end' with rest 0: none of its bytes belong to this body.
 *
 *           ┌────────────────────────────────── CRLF after data ◀──────────────────────────────┐
 *           ▼                                                                                  │
 *   ┌──▶ SIZE ──HEXDIG──▶ SIZE ──BWS──▶ SIZE_BWS ──";"──▶ EXT ──CR──▶ SIZE_LF ──LF──┬─ size>0 ─▶ DATA ─▶ DATA_CR ─▶ DATA_LF
 *   │          └────";"───────────────────────────────▶ EXT          ▲               │
 *   │          └────CR──────────────────────────────────────────────┘               └─ size=0 ─▶ TRAILER_START
 *   │
 *   │   TRAILER_START ──CR──▶ END_LF ──LF──▶ DONE (emit trailers, end)
 *   │   TRAILER_START ──other──▶ TRAILER_LINE ──CR──▶ TRAILER_LF ──LF──▶ TRAILER_START
 *
 * Refused, each with a stable code: a chunk size that is not 1*HEXDIG or over 2^48 (no real body is that
 * large, and the value stays an exact JS number), whitespace after the size that is not followed by ";"
 * (BWS is only allowed before chunk-ext, RFC 9112 §7.1.1), control bytes in extensions, a size line over
 * MAX_CHUNK_LINE, more than MAX_CHUNK_EXTENSION_BYTES of extensions in one body (they are not data and are
 * not counted against body limits elsewhere: Node's CVE-2024-22019), data not followed by CRLF, bare CR or
 * LF, and a trailer section over the head limits or with bad field lines (RFC 9112 §7.1.2, §5).
 */
import { MAX_HEAD_BYTES, MAX_HEADERS, createFieldState, parseFieldLines, type Http1ErrorCode } from "./http1-head.js";

/** Longest chunk-size line (size + extensions), bytes before its CRLF. */
export const MAX_CHUNK_LINE = 4096;
/** Most chunk-extension bytes accepted over one body. */
export const MAX_CHUNK_EXTENSION_BYTES = 16 * 1024;
/** Largest single chunk size accepted: 2^48. */
export const MAX_CHUNK_SIZE = 2 ** 48;

export type ChunkedErrorCode =
  | "bad-chunk-size"
  | "chunk-size-overflow"
  | "bad-chunk-extension"
  | "chunk-line-too-long"
  | "chunk-extensions-too-large"
  | "bad-chunk-end" // chunk data not followed by CRLF
  | "trailers-too-large"
  | Http1ErrorCode; // from the trailer field lines (bare-lf, bare-cr, obs-fold, bad-header-name, …)

export type ChunkedEvent =
  | { readonly kind: "data"; readonly data: Buffer }
  | { readonly kind: "trailers"; readonly headers: readonly string[] }
  | { readonly kind: "end"; readonly rest: number }
  | { readonly kind: "error"; readonly code: ChunkedErrorCode; readonly message: string };

const enum S { Size, SizeBws, Ext, SizeLf, Data, DataCr, DataLf, TrailerStart, TrailerLine, TrailerLf, EndLf, Done, Failed }

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const SEMI = 0x3b;

/** chunk-ext bytes: VCHAR, SP, HTAB, obs-text (names, "=", tokens and quoted strings are all within it). */
function extByte(c: number): boolean {
  return c === HTAB || (c >= 0x20 && c !== 0x7f);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

export class ChunkedDecoder {
  #state: S = S.Size;
  #size = -1; // chunk-size being read (-1: no digit yet), then bytes of chunk data still to come
  #line = 0; // bytes of the current size line
  #extBytes = 0; // extension bytes over the whole body
  #trailer: Buffer[] = [];
  #trailerBytes = 0;
  #error: ChunkedEvent | undefined;

  /** True once the final CRLF of the body has been read. */
  get done(): boolean {
    return this.#state === S.Done;
  }

  push(input: Buffer): ChunkedEvent[] {
    if (this.#state === S.Failed) return [this.#error!];
    if (this.#state === S.Done) return [{ kind: "end", rest: 0 }];
    const out: ChunkedEvent[] = [];
    const n = input.length;
    let i = 0;
    let trailerStart = -1; // where the current input's trailer bytes start, while in a trailer state
    if (this.#state === S.TrailerLine || this.#state === S.TrailerLf || this.#state === S.EndLf) trailerStart = 0;
    while (i < n) {
      switch (this.#state) {
        case S.Size: {
          const c = input[i]!;
          const v = hexValue(c);
          if (v >= 0) {
            this.#size = this.#size < 0 ? v : this.#size * 16 + v;
            if (this.#size > MAX_CHUNK_SIZE) return this.#fail(out, "chunk-size-overflow", `chunk size over 2^48`);
          } else if (this.#size < 0) {
            return this.#fail(out, "bad-chunk-size", `byte 0x${c.toString(16)} where a chunk size starts`);
          } else if (c === CR) {
            this.#state = S.SizeLf;
          } else if (c === SEMI) {
            this.#state = S.Ext;
          } else if (c === SP || c === HTAB) {
            this.#state = S.SizeBws;
          } else {
            return this.#fail(out, c === LF ? "bare-lf" : "bad-chunk-size", `byte 0x${c.toString(16)} after chunk size`);
          }
          if (++this.#line > MAX_CHUNK_LINE) return this.#fail(out, "chunk-line-too-long", `chunk-size line over ${MAX_CHUNK_LINE} bytes`);
          i++;
          break;
        }
        case S.SizeBws: {
          const c = input[i]!;
          if (c === SEMI) this.#state = S.Ext;
          else if (c !== SP && c !== HTAB) return this.#fail(out, "bad-chunk-size", "whitespace after chunk size not followed by ';'");
          if (++this.#line > MAX_CHUNK_LINE) return this.#fail(out, "chunk-line-too-long", `chunk-size line over ${MAX_CHUNK_LINE} bytes`);
          i++;
          break;
        }
        case S.Ext: {
          const c = input[i]!;
          if (c === CR) this.#state = S.SizeLf;
          else if (!extByte(c)) return this.#fail(out, c === LF ? "bare-lf" : "bad-chunk-extension", `byte 0x${c.toString(16)} in chunk extension`);
          else if (++this.#extBytes > MAX_CHUNK_EXTENSION_BYTES) return this.#fail(out, "chunk-extensions-too-large", `chunk extensions over ${MAX_CHUNK_EXTENSION_BYTES} bytes`);
          if (++this.#line > MAX_CHUNK_LINE) return this.#fail(out, "chunk-line-too-long", `chunk-size line over ${MAX_CHUNK_LINE} bytes`);
          i++;
          break;
        }
        case S.SizeLf: {
          if (input[i] !== LF) return this.#fail(out, "bare-cr", "CR without LF after chunk size");
          i++;
          this.#line = 0;
          if (this.#size === 0) {
            this.#state = S.TrailerStart;
          } else {
            this.#state = S.Data;
          }
          break;
        }
        case S.Data: {
          const take = Math.min(this.#size, n - i);
          out.push({ kind: "data", data: input.subarray(i, i + take) });
          i += take;
          this.#size -= take;
          if (this.#size === 0) this.#state = S.DataCr;
          break;
        }
        case S.DataCr:
          if (input[i] !== CR) return this.#fail(out, "bad-chunk-end", "chunk data not followed by CRLF");
          this.#state = S.DataLf;
          i++;
          break;
        case S.DataLf:
          if (input[i] !== LF) return this.#fail(out, "bad-chunk-end", "chunk data not followed by CRLF");
          this.#state = S.Size;
          this.#size = -1;
          i++;
          break;
        case S.TrailerStart:
          if (trailerStart < 0) trailerStart = i;
          if (input[i] === CR) this.#state = S.EndLf;
          else this.#state = S.TrailerLine;
          i++;
          break;
        case S.TrailerLine: {
          // Scan to the end of the line; field-line checks happen once the section is complete.
          const c = input[i]!;
          if (c === CR) this.#state = S.TrailerLf;
          else if (c === LF) return this.#fail(out, "bare-lf", "LF without CR in trailer section");
          i++;
          break;
        }
        case S.TrailerLf:
          if (input[i] !== LF) return this.#fail(out, "bare-cr", "CR without LF in trailer section");
          this.#state = S.TrailerStart;
          i++;
          break;
        case S.EndLf: {
          if (input[i] !== LF) return this.#fail(out, "bare-cr", "CR without LF at the end of the chunked body");
          i++;
          // The section (kept with its final empty line) is checked as field lines (RFC 9112 §7.1.2).
          if (!this.#keepTrailer(input, trailerStart, i)) return this.#fail(out, "trailers-too-large", `trailer section over ${MAX_HEAD_BYTES} bytes`);
          const section = Buffer.concat(this.#trailer, this.#trailerBytes);
          this.#trailer = [];
          const st = createFieldState();
          const err = parseFieldLines(section, 0, section.length - 2, st, MAX_HEADERS);
          if (err) return this.#fail(out, err.code, err.message);
          if (st.headers.length > 0) out.push({ kind: "trailers", headers: st.headers });
          this.#state = S.Done;
          out.push({ kind: "end", rest: i });
          return out;
        }
      }
      if (trailerStart >= 0 && this.#trailerBytes + (i - trailerStart) > MAX_HEAD_BYTES) {
        return this.#fail(out, "trailers-too-large", `trailer section over ${MAX_HEAD_BYTES} bytes`);
      }
    }
    // Input ends inside the trailer section: keep a copy (the caller may reuse its buffer). The size was
    // checked in the loop, so this cannot go over the limit.
    if (trailerStart >= 0) this.#keepTrailer(input, trailerStart, n);
    return out;
  }

  #keepTrailer(input: Buffer, s: number, e: number): boolean {
    this.#trailerBytes += e - s;
    if (this.#trailerBytes > MAX_HEAD_BYTES) return false;
    this.#trailer.push(Buffer.from(input.subarray(s, e)));
    return true;
  }

  #fail(out: ChunkedEvent[], code: ChunkedErrorCode, message: string): ChunkedEvent[] {
    this.#error = { kind: "error", code, message };
    this.#state = S.Failed;
    out.push(this.#error);
    return out;
  }
}
