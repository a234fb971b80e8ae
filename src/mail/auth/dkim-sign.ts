/**
 * DKIM signing (RFC 6376), relaxed/relaxed, rsa-sha256, with a parsed private key.
 *
 * `mailauth`'s signer parses the PEM key again for every message (OpenSSL 3 key decoding: ~0.6 ms of the
 * ~1.3 ms it spends per message here); the gateway signs every outbound message, so it signs with a
 * `KeyObject` parsed once. Verification stays with mailauth — the tests verify these signatures with it,
 * an independent implementation.
 *
 *   body     relaxed (§3.4.4): WSP runs → one SP, WSP at line end removed, empty lines at the end removed
 *   headers  relaxed (§3.4.2): name lower-cased, unfolded, WSP runs → one SP, WSP around the colon removed
 *   h=       the fields of §5.4.1 present in the message, each instance from the bottom up (§5.4.2), and
 *            From once more (over-signing: a From added later breaks the signature)
 */
import { createHash, createSign, type KeyObject } from "node:crypto";

/** RFC 6376 §5.4.1: fields that should be signed when present. */
const SIGNED = [
  "from", "sender", "reply-to", "subject", "date", "message-id", "to", "cc", "mime-version", "content-type",
  "content-transfer-encoding", "content-id", "content-description", "resent-date", "resent-from", "resent-sender",
  "resent-to", "resent-cc", "resent-message-id", "in-reply-to", "references", "list-id", "list-help",
  "list-unsubscribe", "list-subscribe", "list-post", "list-owner", "list-archive",
];

/** CRLF line endings throughout (what SMTP carries; bare LF and bare CR become CRLF). */
export function toCrlf(message: Buffer): Buffer {
  return Buffer.from(message.toString("latin1").replace(/\r\n|\r|\n/g, "\r\n"), "latin1");
}

function relaxedBody(body: string): string {
  const lines = body.split("\r\n").map((l) => l.replace(/[ \t]+/g, " ").replace(/ $/, ""));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.length === 0 ? "" : lines.join("\r\n") + "\r\n";
}

/** Relaxed form of one header field, "name:value" without CRLF. */
export function relaxedHeader(field: string): string {
  const i = field.indexOf(":");
  const name = field.slice(0, i).replace(/[ \t]+$/, "").toLowerCase();
  const value = field
    .slice(i + 1)
    .replace(/\r\n/g, "")
    .replace(/[ \t]+/g, " ")
    .replace(/^ /, "")
    .replace(/ $/, "");
  return `${name}:${value}`;
}

export interface DkimSignInput {
  readonly domain: string;
  readonly selector: string;
  readonly key: KeyObject;
  readonly now?: Date;
}

/** Returns the DKIM-Signature field (with its CRLF) to prepend to `message` (CRLF line endings). */
export function dkimSignatureField(message: Buffer, o: DkimSignInput): string {
  const text = message.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  const head = end < 0 ? text : text.slice(0, end + 2);
  const body = end < 0 ? "" : text.slice(end + 4);
  // Header fields in order; a field is its first line and every continuation line (starting with WSP).
  const fields = head.split(/\r\n(?![ \t])/).filter((f) => f.length > 0 && f.includes(":"));
  const byName = new Map<string, string[]>();
  for (const f of fields) {
    const name = f.slice(0, f.indexOf(":")).trim().toLowerCase();
    const list = byName.get(name) ?? [];
    list.push(f);
    byName.set(name, list);
  }
  const names: string[] = [];
  const canon: string[] = [];
  for (const n of SIGNED) {
    const list = byName.get(n);
    if (!list) continue;
    for (let i = list.length - 1; i >= 0; i--) {
      names.push(n);
      canon.push(relaxedHeader(list[i]!) + "\r\n");
    }
  }
  names.push("from"); // over-signed: an instance that does not exist signs as the null string
  const bh = createHash("sha256").update(relaxedBody(body), "latin1").digest("base64");
  const t = Math.floor((o.now ?? new Date()).getTime() / 1000);
  const unsigned = `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${o.domain}; s=${o.selector};\r\n\tt=${t}; h=${names.join(":")};\r\n\tbh=${bh};\r\n\tb=`;
  const signer = createSign("sha256");
  for (const c of canon) signer.update(c, "latin1");
  signer.update(relaxedHeader(unsigned), "latin1");
  const b = signer.sign(o.key, "base64");
  return `${unsigned}${b}\r\n`;
}
