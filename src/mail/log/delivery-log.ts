/**
 * Pure parser of Postfix log lines, and a correlator that turns them into delivery outcomes per queue id
 * and client — what the anomaly detector's bounce/defer shares and the per-system statistics are fed from.
 *
 * Postfix ≥ 3.4 writes its log itself with `maillog_file` (postlogd), so the gateway needs no syslog
 * daemon; the line format is the classic syslog one, and rsyslog's RFC 3339 timestamps are accepted too:
 *
 *   Nov 26 00:43:05 host postfix/smtpd[11435]: 3AEB920D24A: client=unknown[127.0.0.3]
 *   2026-11-26T00:43:05.123456+05:00 host postfix/smtp[11443]: 3AEB920D24A: to=<y@x.kz>, relay=…, status=sent (…)
 *
 * Lines we use:
 *   smtpd     <qid>: client=<name>[<ip>]                       which client a message came from
 *   cleanup   <qid>: message-id=<…>
 *   qmgr      <qid>: from=<…>, size=N, nrcpt=M (queue active)
 *   smtp|lmtp|local|virtual|error|…  <qid>: to=<…>, …, dsn=X.Y.Z, status=sent|deferred|bounced (…)
 *   qmgr      <qid>: from=<…>, status=expired, returned to sender
 *   qmgr|postsuper  <qid>: removed
 *   postsuper <qid>: placed on hold | released from hold
 *   smtpd     NOQUEUE: reject: RCPT from <name>[<ip>]: 554 5.7.1 …; from=<…> to=<…> proto=… helo=<…>
 * Everything else returns undefined. The parser never throws on input.
 */
import type { DeliveryStatus } from "../policy/detector.js";

export interface LogHeader {
  /** The timestamp as written (classic syslog has no year; the caller's clock supplies time). */
  readonly timestamp: string;
  readonly host: string;
  /** syslog_name without the service ("postfix", "postfix/relay", "postfix-out"). */
  readonly syslogName: string;
  /** The Postfix program: smtpd, smtp, qmgr, cleanup, postsuper… */
  readonly program: string;
  readonly pid: number;
}

export type LogEvent = LogHeader &
  (
    | { readonly kind: "client"; readonly queueId: string; readonly clientName: string; readonly clientAddress: string }
    | { readonly kind: "message-id"; readonly queueId: string; readonly messageId: string }
    | { readonly kind: "queued"; readonly queueId: string; readonly from: string; readonly size: number; readonly nrcpt: number }
    | {
        readonly kind: "delivery";
        readonly queueId: string;
        readonly to: string;
        readonly origTo: string | undefined;
        readonly relay: string;
        readonly delay: number;
        readonly dsn: string;
        readonly status: string;
        readonly detail: string;
      }
    | { readonly kind: "expired"; readonly queueId: string; readonly from: string }
    | { readonly kind: "removed"; readonly queueId: string }
    | { readonly kind: "held"; readonly queueId: string }
    | { readonly kind: "released"; readonly queueId: string }
    | {
        readonly kind: "reject";
        readonly queueId: string | undefined;
        readonly stage: string;
        readonly clientName: string;
        readonly clientAddress: string;
        readonly code: number;
        readonly dsn: string;
        readonly text: string;
        readonly from: string;
        readonly to: string;
      }
  );

const MAX_LINE = 8192;
const HEADER =
  /^(?:([A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d)|(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)) (\S+) ([^\s[\]]+)\[(\d+)\]: /;
const QID = /^([0-9A-Za-z]{6,32}): /;
const CLIENT = /^client=([^\s[\]]*)\[([^\]]+)\]/;
const ORIG_CLIENT = /, orig_client=([^\s[\]]*)\[([^\]]+)\]/;
const REJECT = /^(?:NOQUEUE|([0-9A-Za-z]{6,32})): reject: (\S+) from ([^\s[\]]*)\[([^\]]+)\](?::\d+)?: (\d{3}) (?:(\d\.\d{1,3}\.\d{1,3}) )?(.*); (from=<.*)$/;

/** Scans `key=value, key=<value>, …` up to and including `status=WORD`; returns the map and the rest. */
function keyValues(s: string, stopAt: string): { kv: Map<string, string>; rest: string } {
  const kv = new Map<string, string>();
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf("=", i);
    if (eq < 0) break;
    const key = s.slice(i, eq);
    let j = eq + 1;
    let value: string;
    if (s[j] === "<") {
      // An address may contain ", " inside a quoted local part: read to the ">" that ends the field.
      let k = s.indexOf(">, ", j);
      if (k < 0) k = s.endsWith(">") ? s.length - 1 : -1;
      if (k < 0) break;
      value = s.slice(j + 1, k);
      j = k + 1;
    } else {
      let end = s.indexOf(", ", j);
      if (key === stopAt) {
        // "status=sent (…)" or "status=expired, returned to sender": the word ends at a space or comma.
        const sp = s.indexOf(" ", j);
        if (sp >= 0 && (end < 0 || sp < end)) end = sp;
      }
      if (end < 0) end = s.length;
      value = s.slice(j, end);
      j = end;
    }
    kv.set(key, value);
    if (key === stopAt) return { kv, rest: s.slice(j).trim() };
    if (s.startsWith(", ", j)) j += 2;
    else break;
    i = j;
  }
  return { kv, rest: "" };
}

function field(rest: string, name: string): string {
  const m = new RegExp(`(?:^| )${name}=<([^>]*)>`).exec(rest);
  return m ? m[1]! : "";
}

export function parseLogLine(line: string): LogEvent | undefined {
  if (line.length > MAX_LINE) return undefined;
  const h = HEADER.exec(line);
  if (!h) return undefined;
  const ident = h[4]!;
  const slash = ident.lastIndexOf("/");
  if (slash < 0) return undefined; // not a Postfix daemon ("postfix/…")
  const header: LogHeader = { timestamp: (h[1] ?? h[2])!, host: h[3]!, syslogName: ident.slice(0, slash), program: ident.slice(slash + 1), pid: Number(h[5]) };
  const msg = line.slice(h[0].length);

  if (msg.startsWith("NOQUEUE: reject: ") || msg.includes(": reject: ")) {
    const r = REJECT.exec(msg);
    if (!r) return undefined;
    return {
      ...header,
      kind: "reject",
      queueId: r[1],
      stage: r[2]!,
      clientName: r[3]!,
      clientAddress: r[4]!,
      code: Number(r[5]),
      dsn: r[6] ?? "",
      text: r[7]!,
      from: field(r[8]!, "from"),
      to: field(r[8]!, "to"),
    };
  }

  const q = QID.exec(msg);
  if (!q) return undefined;
  const queueId = q[1]!;
  const body = msg.slice(q[0].length);
  const program = header.program;

  if (body.startsWith("client=")) {
    // A message re-injected by the authentication filter names the original client with XFORWARD:
    // "client=localhost[127.0.0.1], orig_client=unknown[192.0.2.25]" (only loopback may forward).
    const c = ORIG_CLIENT.exec(body) ?? CLIENT.exec(body);
    return c ? { ...header, kind: "client", queueId, clientName: c[1]!, clientAddress: c[2]! } : undefined;
  }
  if (body.startsWith("message-id=")) {
    const id = body.slice("message-id=".length).trim();
    return { ...header, kind: "message-id", queueId, messageId: id.startsWith("<") && id.endsWith(">") ? id.slice(1, -1) : id };
  }
  if (body === "removed") return { ...header, kind: "removed", queueId };
  if (body === "placed on hold") return { ...header, kind: "held", queueId };
  if (body === "released from hold") return { ...header, kind: "released", queueId };
  if (body.startsWith("to=<")) {
    const { kv, rest } = keyValues(body, "status");
    const status = kv.get("status");
    if (!status) return undefined;
    const detail = rest.startsWith("(") && rest.endsWith(")") ? rest.slice(1, -1) : rest;
    return {
      ...header,
      kind: "delivery",
      queueId,
      to: kv.get("to") ?? "",
      origTo: kv.get("orig_to"),
      relay: kv.get("relay") ?? "",
      delay: Number(kv.get("delay") ?? 0) || 0,
      dsn: kv.get("dsn") ?? "",
      status,
      detail,
    };
  }
  if (body.startsWith("from=<") && program === "qmgr") {
    const { kv } = keyValues(body, "status");
    if (kv.get("status") === "expired") return { ...header, kind: "expired", queueId, from: kv.get("from") ?? "" };
    const m = /^from=<(.*)>, size=(\d+), nrcpt=(\d+)/.exec(body);
    return m ? { ...header, kind: "queued", queueId, from: m[1]!, size: Number(m[2]), nrcpt: Number(m[3]) } : undefined;
  }
  return undefined;
}

/** A delivery attempt attributed to the client that submitted the message. */
export interface DeliveryOutcome {
  readonly queueId: string;
  /** The smtpd client of the message; undefined for mail Postfix generated itself (bounces, notices). */
  readonly clientAddress: string | undefined;
  readonly sender: string;
  readonly messageId: string;
  readonly recipient: string;
  readonly status: DeliveryStatus;
  readonly dsn: string;
  readonly relay: string;
  /**
   * syslog_name of the smtpd that received the message ("postfix", "postfix/reinject"): with a content
   * filter, mail received by the public smtpd is only handed to the filter; its real delivery belongs to
   * the copy the re-injection smtpd received.
   */
  readonly receivedBy: string | undefined;
}

interface Known {
  clientAddress: string | undefined;
  receivedBy: string | undefined;
  sender: string;
  messageId: string;
}

/**
 * Joins the per-queue-id lines into outcomes. State is one small record per queued message, forgotten at
 * "removed"; beyond `maxMessages` the oldest is dropped (a message queued for days still has its lines,
 * it only loses the attribution of its later attempts).
 */
export class DeliveryCorrelator {
  readonly #known = new Map<string, Known>();
  readonly #max: number;

  constructor(maxMessages = 200_000) {
    this.#max = maxMessages;
  }

  get size(): number {
    return this.#known.size;
  }

  clientOf(queueId: string): string | undefined {
    return this.#known.get(queueId)?.clientAddress;
  }

  #entry(queueId: string): Known {
    let k = this.#known.get(queueId);
    if (!k) {
      if (this.#known.size >= this.#max) {
        const oldest = this.#known.keys().next().value;
        if (oldest !== undefined) this.#known.delete(oldest);
      }
      k = { clientAddress: undefined, receivedBy: undefined, sender: "", messageId: "" };
      this.#known.set(queueId, k);
    }
    return k;
  }

  /** Feeds one event; returns an outcome for delivery attempts (sent / deferred / bounced, expired → bounced). */
  apply(e: LogEvent): DeliveryOutcome | undefined {
    switch (e.kind) {
      case "client": {
        const k = this.#entry(e.queueId);
        k.clientAddress = e.clientAddress;
        k.receivedBy = e.syslogName;
        return undefined;
      }
      case "message-id":
        this.#entry(e.queueId).messageId = e.messageId;
        return undefined;
      case "queued":
        this.#entry(e.queueId).sender = e.from;
        return undefined;
      case "removed":
        this.#known.delete(e.queueId);
        return undefined;
      case "delivery": {
        // deliverable/undeliverable are address-verification probes, not deliveries.
        const status: DeliveryStatus | undefined =
          e.status === "sent" ? "sent" : e.status === "deferred" ? "deferred" : e.status === "bounced" || e.status === "expired" ? "bounced" : undefined;
        if (!status) return undefined;
        const k = this.#known.get(e.queueId);
        return { queueId: e.queueId, clientAddress: k?.clientAddress, sender: k?.sender ?? "", messageId: k?.messageId ?? "", recipient: e.to, status, dsn: e.dsn, relay: e.relay, receivedBy: k?.receivedBy };
      }
      default:
        return undefined;
    }
  }
}
