/**
 * Just enough of an RFC 5322 / MIME reader to turn a message to the STS duty address into an incident
 * (p.14): Subject (RFC 2047 words decoded), the From address, Message-ID, and the text — the first
 * text/plain part (or the first text/html part without its tags), transfer-decoded (base64,
 * quoted-printable) and charset-decoded with TextDecoder (Node's full ICU: utf-8, windows-1251, koi8-r…).
 * Bounded: at most 64 parts and 32 levels of nesting are looked at.
 */
import { createHash } from "node:crypto";

export interface IncidentMail {
  readonly messageId: string;
  readonly from: string;
  readonly subject: string;
  readonly text: string;
}

interface Part {
  readonly headers: Map<string, string>;
  readonly body: Buffer;
}

function split(raw: Buffer): Part {
  let end = raw.indexOf("\r\n\r\n");
  let sep = 4;
  if (end < 0) {
    end = raw.indexOf("\n\n");
    sep = 2;
  }
  const head = (end < 0 ? raw : raw.subarray(0, end)).toString("latin1");
  const body = end < 0 ? Buffer.alloc(0) : raw.subarray(end + sep);
  const headers = new Map<string, string>();
  for (const f of head.split(/\r?\n(?![ \t])/)) {
    const i = f.indexOf(":");
    if (i <= 0) continue;
    const name = f.slice(0, i).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, f.slice(i + 1).replace(/\r?\n[ \t]+/g, " ").trim());
  }
  return { headers, body };
}

function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder((charset || "utf-8").trim().toLowerCase()).decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}

function quotedPrintable(s: string): Buffer {
  const t = s.replace(/=\r?\n/g, "");
  const out: number[] = [];
  for (let i = 0; i < t.length; i++) {
    if (t[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(t.slice(i + 1, i + 3))) {
      out.push(parseInt(t.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(t.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 2047 encoded words ("=?utf-8?B?…?=") in a header value; adjacent words join without the space. */
export function decodeWords(v: string): string {
  return v
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, "$1")
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g, (_, cs: string, enc: string, text: string) =>
      decodeCharset(enc.toUpperCase() === "B" ? Buffer.from(text, "base64") : quotedPrintable(text.replace(/_/g, " ")), cs),
    );
}

function param(value: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, "i").exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

function decodeBody(p: Part): string {
  const cte = (p.headers.get("content-transfer-encoding") ?? "").toLowerCase();
  const raw = cte === "base64" ? Buffer.from(p.body.toString("latin1").replace(/[^A-Za-z0-9+/=]/g, ""), "base64") : cte === "quoted-printable" ? quotedPrintable(p.body.toString("latin1")) : p.body;
  return decodeCharset(raw, param(p.headers.get("content-type") ?? "", "charset"));
}

function findText(p: Part, depth: number, budget: { parts: number }): { kind: "plain" | "html"; text: string } | undefined {
  if (depth > 32 || budget.parts-- <= 0) return undefined;
  const ct = (p.headers.get("content-type") ?? "text/plain").toLowerCase();
  if (ct.startsWith("multipart/")) {
    const boundary = param(p.headers.get("content-type") ?? "", "boundary");
    if (!boundary) return undefined;
    const pieces = p.body.toString("latin1").split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?:--)?[ \\t]*\\r?\\n?`));
    let html: { kind: "plain" | "html"; text: string } | undefined;
    for (const piece of pieces.slice(1)) {
      if (piece.trim() === "") continue;
      const found = findText(split(Buffer.from(piece, "latin1")), depth + 1, budget);
      if (found?.kind === "plain") return found;
      html ??= found;
    }
    return html;
  }
  if ((p.headers.get("content-disposition") ?? "").toLowerCase().startsWith("attachment")) return undefined;
  if (ct.startsWith("text/plain")) return { kind: "plain", text: decodeBody(p) };
  if (ct.startsWith("text/html")) {
    const text = decodeBody(p)
      .replace(/<(script|style)[^]*?<\/\1>/gi, "")
      .replace(/<br\s*\/?>|<\/p>/gi, "\n")
      .replace(/<[^>]+>/g, "")
      .replace(/&nbsp;/g, " ")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&");
    return { kind: "html", text };
  }
  return undefined;
}

export function readIncidentMail(raw: Buffer, envelopeFrom: string): IncidentMail {
  const top = split(raw);
  const fromHeader = decodeWords(top.headers.get("from") ?? "");
  const from = /<([^<>@\s]+@[^<>\s]+)>/.exec(fromHeader)?.[1] ?? /[^\s<>"]+@[^\s<>"]+/.exec(fromHeader)?.[0] ?? envelopeFrom;
  const id = (top.headers.get("message-id") ?? "").replace(/^<|>$/g, "").trim();
  return {
    // Without a Message-ID (Postfix adds none to mail from remote clients) the content identifies the message,
    // so a retried delivery still makes one incident.
    messageId: id || `sha256:${createHash("sha256").update(raw).digest("hex")}`,
    from,
    subject: decodeWords(top.headers.get("subject") ?? ""),
    text: findText(top, 0, { parts: 64 })?.text.trim() ?? "",
  };
}
