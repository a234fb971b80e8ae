/**
 * Pure rendering of the gateway's Postfix configuration from the store's view of the connected mail
 * systems. Postfix is the queue; qaqpa decides what it relays, where to, and who may send.
 *
 *   main.cf            parameters below (private instance: with its own config/queue/data directories)
 *   master.cf          smtpd on the configured addresses, no chroot, postlogd for maillog_file
 *   relay_domains      hash: connected domains                      → Postfix accepts mail for them
 *   transport          hash: domain → smtp:[org server]:port         → and delivers it there, MX bypassed
 *   mail_systems.cidr  cidr: registered server addresses             → mynetworks: who may relay outbound
 *
 * Relay control in two lines (SMTPD_POLICY_README: "always specify check_policy_service AFTER
 * reject_unauth_destination"): smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination,
 * then the policy service in smtpd_recipient_restrictions and smtpd_end_of_data_restrictions (the states
 * that have hooks, hooks/index.ts), whose own rcpt/relay hook refuses the same relay a second time. The
 * policy client's default_action is DEFER_IF_PERMIT: if the service is down or slow, mail is tempfailed
 * and stays with the sender — never accepted unchecked.
 *
 * Every value that reaches a file is validated here (domains, IPs, hostnames, ports, paths): a newline in
 * a store field must not become a second main.cf parameter.
 */
import { isIP } from "node:net";
import { posix } from "node:path";
import type { MailSystem } from "../ports.js";
import { hookStates } from "../policy/hooks/index.js";
import { normaliseDomain, normaliseIp } from "../policy/lib/address.js";
import type { ProtocolState } from "../policy/request.js";
import { formatMilterEndpoint, parseMilterEndpoint, type Engines } from "../engines/milter.js";

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * Where smtpd finds the policy service: loopback TCP (`inet:127.0.0.1:<port>`), or a UNIX-domain socket
 * (`unix:<absolute path>`), which costs less per request and admits only the socket's group.
 */
export type PolicyServiceEndpoint = (Endpoint | { readonly path: string }) & {
  /** smtpd_policy_service_timeout: connect/send/receive limit per request. */
  readonly timeoutSeconds?: number;
  /** States in which Postfix consults the service; default: those with hooks in HOOKS. */
  readonly states?: readonly ProtocolState[];
};

/** anvil(8) ceilings per client IP and minute; a coarse backstop under the policy detector. */
export interface RateLimits {
  readonly connectionsPerMinute: number;
  readonly messagesPerMinute: number;
  readonly recipientsPerMinute: number;
  readonly concurrentConnections: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = Object.freeze({
  connectionsPerMinute: 600,
  messagesPerMinute: 1_200,
  recipientsPerMinute: 6_000,
  concurrentConnections: 100,
});

export interface RenderOptions {
  readonly myhostname: string;
  /** Where main.cf, master.cf and the maps are written. */
  readonly configDirectory: string;
  /** A private instance sets its own queue and data directories; the system instance leaves them unset. */
  readonly queueDirectory?: string;
  readonly dataDirectory?: string;
  /** smtpd listeners. Port 25 on all addresses in production; loopback high ports for a private instance. */
  readonly listen: readonly Endpoint[];
  /** inet_interfaces; default: the listen hosts, or "all" when one of them is 0.0.0.0 / ::. */
  readonly inetInterfaces?: string;
  readonly inetProtocols?: "ipv4" | "ipv6" | "all";
  /** null renders a Postfix without the policy service (benchmarks compare both). */
  readonly policy: PolicyServiceEndpoint | null;
  /** Static next hop for all other destinations (an upstream relay, or the test "Internet"); MX when absent. */
  readonly internetRelay?: Endpoint;
  readonly messageSizeLimit?: number;
  /** null: no anvil ceilings. */
  readonly rateLimits?: RateLimits | null;
  /** Server certificate for STARTTLS on smtpd; without it smtpd offers no TLS (smtp client TLS stays "may"). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** maillog_file (Postfix ≥ 3.4): the log postlogd writes, read by log/tail.ts. */
  readonly maillogFile?: string;
  /** Where Postfix's own notices (bounces of bounces, resource problems) go: the STS duty address. */
  readonly postmasterAddress?: string;
  readonly mailOwner?: string;
  readonly setgidGroup?: string;
  /**
   * The authentication filter (auth/filter.ts) as an after-queue content filter: every queued message goes
   * to `filter` over SMTP with XFORWARD, which signs or verifies it and re-injects it on `reinject` — a
   * second smtpd on loopback without the content filter and the policy service.
   */
  readonly contentFilter?: { readonly filter: Endpoint; readonly reinject: Endpoint };
  /**
   * Optional milter engines (engines/milter.ts): ClamAV for every message smtpd receives (smtpd_milters,
   * non_smtpd_milters), Rspamd only for mail from the registered servers of connected systems — outbound —
   * through smtpd_milter_maps keyed by client address (milters.cidr). The re-injection smtpd of the
   * authentication filter runs no milters, so no message is scanned twice.
   */
  readonly engines?: Engines;
  /** Further main.cf parameters (e.g. shorter queue backoff in tests); validated like the rest. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** The cidr map (in configDirectory) of the milters applied to the connected systems' servers. */
export const MILTER_MAP = "milters.cidr";

function engineMilters(engines: Engines): { all: string | undefined; outbound: string | undefined } {
  const ep = (n: "rspamd" | "clamav") => {
    const e = engines[n];
    if (!e) return undefined;
    try {
      return formatMilterEndpoint(parseMilterEndpoint(e.milter, `engines.${n}.milter`));
    } catch (err) {
      throw new RenderError((err as Error).message);
    }
  };
  const clamav = ep("clamav");
  const rspamd = ep("rspamd");
  return { all: clamav, outbound: rspamd ? [rspamd, clamav].filter(Boolean).join(" ") : undefined };
}

/** milters.cidr: each registered server address → the outbound milters (same order as mail_systems.cidr). */
export function renderMilterMap(systems: readonly MailSystem[], milters: string): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const s of [...systems].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    for (const a of s.serverAddresses) {
      const ip = normaliseIp(a);
      if (!ip) throw new RenderError(`${s.id}: not an IP address: ${JSON.stringify(a)}`);
      if (seen.has(ip)) continue;
      seen.add(ip);
      lines.push(`${ip}/${isIP(ip) === 6 ? 128 : 32}\t${value(milters, "milters")}`);
    }
  }
  return "# Rendered by qaqpa from the connected mail systems. Do not edit: changes are overwritten.\n" + lines.map((l) => l + "\n").join("");
}

/** The name of the master.cf smtp client that delivers to the authentication filter. */
export const FILTER_SERVICE = "qaqpa-filter";
/** syslog_name of the re-injection smtpd: the log lines of mail that has passed the filter. */
export const REINJECT_SYSLOG_NAME = "postfix/reinject";

function loopback(e: Endpoint, what: string): Endpoint {
  const ip = normaliseIp(e.host);
  if (!ip || !(ip === "::1" || ip.startsWith("127."))) throw new RenderError(`${what}: must be a loopback address`);
  return { host: ip, port: port(e.port, what) };
}

/** master.cf lines of the content filter's smtp client and the re-injection smtpd (FILTER_README). */
function filterServices(cf: { filter: Endpoint; reinject: Endpoint }): string[] {
  const r = loopback(cf.reinject, "contentFilter.reinject");
  const name = listenerName(r);
  return [
    `${FILTER_SERVICE}\tunix\t-\t-\tn\t-\t20\tsmtp`,
    `  -o syslog_name=postfix/${FILTER_SERVICE}`,
    "  -o smtp_send_xforward_command=yes",
    "  -o disable_mime_output_conversion=yes",
    "  -o smtp_tls_security_level=none",
    `${name}\tinet\tn\t-\tn\t-\t20\tsmtpd`,
    `  -o syslog_name=${REINJECT_SYSLOG_NAME}`,
    "  -o content_filter=",
    "  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters,no_address_mappings",
    "  -o smtpd_helo_restrictions=",
    "  -o smtpd_client_restrictions=",
    "  -o smtpd_sender_restrictions=",
    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject",
    "  -o smtpd_relay_restrictions=permit_mynetworks,reject",
    "  -o smtpd_data_restrictions=",
    "  -o smtpd_end_of_data_restrictions=",
    "  -o mynetworks=127.0.0.0/8,[::1]/128",
    "  -o smtpd_authorized_xforward_hosts=127.0.0.0/8,[::1]/128",
    "  -o smtpd_client_event_limit_exceptions=127.0.0.0/8,[::1]/128",
    "  -o smtpd_tls_security_level=none",
  ];
}

export interface RenderedPostfix {
  readonly mainCf: string;
  readonly masterCf: string;
  /** File name (in configDirectory) → content. */
  readonly maps: Readonly<Record<string, string>>;
  /** Maps that need `postmap` (hash:). */
  readonly hashMaps: readonly string[];
  /** main.cf as ordered name → value, for `postconf -e` on an existing instance. */
  readonly parameters: ReadonlyMap<string, string>;
}

export class RenderError extends Error {
  override name = "RenderError";
}

const PARAM = /^[a-z][a-z0-9_]*$/;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

function value(v: string, what: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(v)) throw new RenderError(`${what}: control character in value`);
  return v;
}

function path(p: string, what: string): string {
  if (!posix.isAbsolute(p) || /[\s,{}=]/.test(p)) throw new RenderError(`${what}: must be an absolute path without spaces, commas, braces or '=': ${JSON.stringify(p)}`);
  return value(p, what);
}

function port(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new RenderError(`${what}: not a TCP port: ${n}`);
  return n;
}

function host(h: string, what: string): string {
  const ip = normaliseIp(h);
  if (ip) return ip;
  if (!HOSTNAME.test(h)) throw new RenderError(`${what}: not an IP address or host name: ${JSON.stringify(h)}`);
  return h.toLowerCase();
}

/** SMTP next hop with MX lookups disabled ("[]" form; transport(5): required for an IP address). */
export function nexthop(e: Endpoint, what: string): string {
  return `[${host(e.host, what)}]:${port(e.port, what)}`;
}

/** master.cf service name of an inet listener ("127.0.0.1:2525", "[::1]:2525", "smtp" for *:25). */
function listenerName(e: Endpoint): string {
  const p = port(e.port, "listen");
  if (e.host === "0.0.0.0" || e.host === "::" || e.host === "*") return p === 25 ? "smtp" : String(p);
  const ip = normaliseIp(e.host);
  if (!ip) throw new RenderError(`listen: not an IP address: ${JSON.stringify(e.host)}`);
  return isIP(ip) === 6 ? `[${ip}]:${p}` : `${ip}:${p}`;
}

/** The restriction list entry that calls the policy service (per-client settings, Postfix ≥ 3.0). */
export function policyRestriction(p: PolicyServiceEndpoint): string {
  let ep: string;
  if ("path" in p) {
    ep = `unix:${path(p.path, "policy.path")}`;
  } else {
    const ip = normaliseIp(p.host);
    if (!ip || !(ip === "::1" || ip.startsWith("127."))) throw new RenderError("policy: the service must listen on loopback");
    ep = isIP(ip) === 6 ? `inet:[${ip}]:${port(p.port, "policy")}` : `inet:${ip}:${port(p.port, "policy")}`;
  }
  const t = p.timeoutSeconds ?? 10;
  if (!Number.isInteger(t) || t < 1 || t > 600) throw new RenderError("policy: timeoutSeconds out of range");
  // default_action is enclosed in { } because it contains a space (SMTPD_POLICY_README, "Advanced policy
  // client configuration").
  return `check_policy_service { ${ep}, timeout=${t}s, { default_action = DEFER_IF_PERMIT Service temporarily unavailable } }`;
}

export function renderMaps(systems: readonly MailSystem[]): { relayDomains: string; transport: string; clients: string } {
  const relay: string[] = [];
  const transport: string[] = [];
  const clients: string[] = [];
  const sorted = [...systems].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const seenDomain = new Map<string, string>();
  const seenIp = new Map<string, string>();
  for (const s of sorted) {
    const id = value(s.id, "mail system id").replace(/\s+/g, "_");
    const hop = `smtp:${nexthop(s.inbound, `${id}: inbound`)}`;
    for (const d of s.domains) {
      const dom = normaliseDomain(d);
      if (!dom) throw new RenderError(`${id}: not a domain: ${JSON.stringify(d)}`);
      const other = seenDomain.get(dom);
      if (other && other !== id) throw new RenderError(`domain ${dom} belongs to both ${other} and ${id}`);
      if (other) continue;
      seenDomain.set(dom, id);
      relay.push(`${dom}\tOK`);
      transport.push(`${dom}\t${hop}`);
    }
    for (const a of s.serverAddresses) {
      const ip = normaliseIp(a);
      if (!ip) throw new RenderError(`${id}: not an IP address: ${JSON.stringify(a)}`);
      const other = seenIp.get(ip);
      if (other && other !== id) throw new RenderError(`address ${ip} belongs to both ${other} and ${id}`);
      if (other) continue;
      seenIp.set(ip, id);
      clients.push(`# ${id}\n${ip}/${isIP(ip) === 6 ? 128 : 32}\tOK`);
    }
  }
  const head = "# Rendered by qaqpa from the connected mail systems. Do not edit: changes are overwritten.\n";
  return {
    relayDomains: head + relay.join("\n") + (relay.length ? "\n" : ""),
    transport: head + transport.join("\n") + (transport.length ? "\n" : ""),
    clients: head + clients.join("\n") + (clients.length ? "\n" : ""),
  };
}

export function renderPostfix(systems: readonly MailSystem[], o: RenderOptions): RenderedPostfix {
  const dir = path(o.configDirectory, "configDirectory");
  const hostname = o.myhostname.toLowerCase();
  if (!HOSTNAME.test(hostname) || !hostname.includes(".")) throw new RenderError(`myhostname must be a fully qualified name: ${JSON.stringify(o.myhostname)}`);
  if (o.listen.length === 0) throw new RenderError("listen: at least one smtpd listener");
  const p = new Map<string, string>();
  const set = (k: string, v: string | number): void => {
    p.set(k, value(String(v), k));
  };

  set("compatibility_level", "3.6");
  if (o.queueDirectory !== undefined || o.dataDirectory !== undefined) {
    set("config_directory", dir);
    if (o.queueDirectory !== undefined) set("queue_directory", path(o.queueDirectory, "queueDirectory"));
    if (o.dataDirectory !== undefined) set("data_directory", path(o.dataDirectory, "dataDirectory"));
  }
  set("mail_owner", o.mailOwner ?? "postfix");
  set("setgid_group", o.setgidGroup ?? "postdrop");
  set("myhostname", hostname);
  set("myorigin", "$myhostname");
  set("smtpd_banner", "$myhostname ESMTP");
  // A gateway delivers nothing locally: no local domains, no aliases, local delivery is an error.
  set("mydestination", "");
  set("local_recipient_maps", "");
  set("alias_maps", "");
  set("alias_database", "");
  set("local_transport", "error:5.1.1 the mail gateway has no local mailboxes");
  set("biff", "no");
  set("append_dot_mydomain", "no");
  const listenHosts = o.listen.map((e) => e.host);
  const inet = o.inetInterfaces ?? (listenHosts.some((h) => h === "0.0.0.0" || h === "::" || h === "*") ? "all" : [...new Set(listenHosts.map((h) => host(h, "listen")))].join(", "));
  set("inet_interfaces", inet);
  set("inet_protocols", o.inetProtocols ?? "all");
  // Exact domains everywhere: "mvd.gov.kz" must not also relay "x.mvd.gov.kz" unless registered, and the
  // policy hooks match exactly too. This is Postfix's default list without relay_domains.
  set("parent_domain_matches_subdomains", "debug_peer_list, fast_flush_domains, mynetworks, permit_mx_backup_networks, qmqpd_authorized_clients, smtpd_access_maps");
  set("mynetworks", `cidr:${dir}/mail_systems.cidr`);
  set("relay_domains", `hash:${dir}/relay_domains`);
  set("transport_maps", `hash:${dir}/transport`);
  if (o.internetRelay) set("relayhost", nexthop(o.internetRelay, "internetRelay"));
  set("smtpd_relay_restrictions", "permit_mynetworks, reject_unauth_destination");
  set("smtpd_helo_required", "yes");
  set("disable_vrfy_command", "yes");
  if (o.policy) {
    const restriction = policyRestriction(o.policy);
    const states = new Set(o.policy.states ?? hookStates());
    set("smtpd_recipient_restrictions", states.has("RCPT") ? restriction : "");
    if (states.has("DATA")) set("smtpd_data_restrictions", restriction);
    if (states.has("END-OF-MESSAGE")) set("smtpd_end_of_data_restrictions", restriction);
    set("smtpd_policy_service_default_action", "DEFER_IF_PERMIT Service temporarily unavailable");
    set("smtpd_policy_service_timeout", `${o.policy.timeoutSeconds ?? 10}s`);
    set("smtpd_policy_service_max_idle", "300s");
    set("smtpd_policy_service_max_ttl", "1000s");
    set("smtpd_policy_service_try_limit", "2");
    set("smtpd_policy_service_retry_delay", "1s");
  }
  set("message_size_limit", o.messageSizeLimit ?? 50 * 1024 * 1024);
  if (o.tls) {
    set("smtpd_tls_security_level", "may");
    set("smtpd_tls_cert_file", path(o.tls.certFile, "tls.certFile"));
    set("smtpd_tls_key_file", path(o.tls.keyFile, "tls.keyFile"));
    set("smtpd_tls_protocols", ">=TLSv1.2");
    set("smtpd_tls_received_header", "yes");
  } else {
    set("smtpd_tls_security_level", "none");
  }
  // Opportunistic TLS to receivers (RFC 3207); "encrypt" would bounce mail to servers without STARTTLS.
  set("smtp_tls_security_level", "may");
  set("smtp_tls_protocols", ">=TLSv1.2");
  const rl = o.rateLimits === undefined ? DEFAULT_RATE_LIMITS : o.rateLimits;
  if (rl) {
    set("anvil_rate_time_unit", "60s");
    set("smtpd_client_connection_rate_limit", rl.connectionsPerMinute);
    set("smtpd_client_message_rate_limit", rl.messagesPerMinute);
    set("smtpd_client_recipient_rate_limit", rl.recipientsPerMinute);
    set("smtpd_client_connection_count_limit", rl.concurrentConnections);
    // Postfix exempts $mynetworks by default; the connected systems are exactly the clients whose runaway
    // traffic would get the gateway blocklisted, so nobody is exempt.
    set("smtpd_client_event_limit_exceptions", "");
  }
  if (o.maillogFile) {
    const f = path(o.maillogFile, "maillogFile");
    set("maillog_file", f);
    set("maillog_file_prefixes", posix.dirname(f));
  }
  if (o.postmasterAddress) {
    const a = value(o.postmasterAddress, "postmasterAddress");
    if (!/^[^\s@,]+@[^\s@,]+$/.test(a)) throw new RenderError("postmasterAddress: not an address");
    for (const k of ["bounce_notice_recipient", "2bounce_notice_recipient", "delay_notice_recipient", "error_notice_recipient"]) set(k, a);
  }
  if (o.contentFilter) {
    const f = loopback(o.contentFilter.filter, "contentFilter.filter");
    set("content_filter", `${FILTER_SERVICE}:${nexthop(f, "contentFilter.filter")}`);
  }
  const milters = o.engines ? engineMilters(o.engines) : { all: undefined, outbound: undefined };
  if (milters.all || milters.outbound) {
    // An engine that is down or too slow: 4xx to the sender, who keeps the message (never accepted unchecked).
    set("milter_default_action", "tempfail");
    set("milter_protocol", 6);
    set("milter_connect_timeout", "10s");
    set("milter_command_timeout", "30s");
    set("milter_content_timeout", "120s");
    set("smtpd_milters", milters.all ?? "");
    set("non_smtpd_milters", milters.all ?? "");
    if (milters.outbound) set("smtpd_milter_maps", `cidr:${dir}/${MILTER_MAP}`);
  }
  for (const [k, v] of Object.entries(o.extra ?? {})) {
    if (!PARAM.test(k)) throw new RenderError(`extra: not a parameter name: ${JSON.stringify(k)}`);
    set(k, v);
  }

  const mainCf =
    "# Rendered by qaqpa (src/mail/postfix/render.ts). Do not edit: changes are overwritten.\n" +
    [...p].map(([k, v]) => (v === "" ? `${k} =` : `${k} = ${v}`)).join("\n") +
    "\n";

  const listeners = o.listen.map((e) => `${listenerName(e)}\tinet\tn\t-\tn\t-\t-\tsmtpd`);
  // No chroot ("n" in column 5): the private instance has no copies of /etc in its queue directory, and
  // the service runs as the unprivileged mail_owner anyway. Column order: service type private unpriv
  // chroot wakeup maxproc command (master(5)).
  const masterCf = [
    "# Rendered by qaqpa (src/mail/postfix/render.ts). Do not edit: changes are overwritten.",
    "# service\ttype\tprivate\tunpriv\tchroot\twakeup\tmaxproc\tcommand",
    ...listeners,
    "pickup\tunix\tn\t-\tn\t60\t1\tpickup",
    "cleanup\tunix\tn\t-\tn\t-\t0\tcleanup",
    "qmgr\tunix\tn\t-\tn\t300\t1\tqmgr",
    "tlsmgr\tunix\t-\t-\tn\t1000?\t1\ttlsmgr",
    "rewrite\tunix\t-\t-\tn\t-\t-\ttrivial-rewrite",
    "bounce\tunix\t-\t-\tn\t-\t0\tbounce",
    "defer\tunix\t-\t-\tn\t-\t0\tbounce",
    "trace\tunix\t-\t-\tn\t-\t0\tbounce",
    "verify\tunix\t-\t-\tn\t-\t1\tverify",
    "flush\tunix\tn\t-\tn\t1000?\t0\tflush",
    "proxymap\tunix\t-\t-\tn\t-\t-\tproxymap",
    "proxywrite\tunix\t-\t-\tn\t-\t1\tproxymap",
    "smtp\tunix\t-\t-\tn\t-\t-\tsmtp",
    "relay\tunix\t-\t-\tn\t-\t-\tsmtp",
    "  -o syslog_name=postfix/$service_name",
    "showq\tunix\tn\t-\tn\t-\t-\tshowq",
    "error\tunix\t-\t-\tn\t-\t-\terror",
    "retry\tunix\t-\t-\tn\t-\t-\terror",
    "discard\tunix\t-\t-\tn\t-\t-\tdiscard",
    "anvil\tunix\t-\t-\tn\t-\t1\tanvil",
    "scache\tunix\t-\t-\tn\t-\t1\tscache",
    "postlog\tunix-dgram\tn\t-\tn\t-\t1\tpostlogd",
    ...(o.contentFilter ? filterServices(o.contentFilter) : []),
    "",
  ].join("\n");

  const m = renderMaps(systems);
  return {
    mainCf,
    masterCf,
    maps: { relay_domains: m.relayDomains, transport: m.transport, "mail_systems.cidr": m.clients, ...(milters.outbound ? { [MILTER_MAP]: renderMilterMap(systems, milters.outbound) } : {}) },
    hashMaps: ["relay_domains", "transport"],
    parameters: p,
  };
}
