/**
 * Protocol classifier for the first bytes of a tunnelled (CONNECT) or transparent flow: the `classify`
 * stage's input. The baseline policy blocks VPN, remote access and unknown protocols, so "what is this
 * flow" must be answered from the client's first bytes, before anything is sent upstream.
 *
 * Primitives:
 *   classifyFirstBytes(bytes, final?) → { kind: 'need-more' } | { kind: 'decided', protocol }
 *   FIRST_BYTES_DECISION_CAP           bytes after which an undecided flow is 'unknown'
 *
 * `bytes` is everything the client has sent so far. Each detector answers match / no / maybe (needs more
 * bytes); the first match in the order below wins, and when every detector says no the flow is unknown:
 *
 *   ssh ─▶ tls ─▶ http ─▶ socks4 ─▶ socks5 ─▶ rdp ─▶ openvpn ─▶ bittorrent
 *
 * ssh comes before http because an SSH identification line ("SSH-2.0-OpenSSH_9.2p1 Debian…") is a token
 * followed by a space. A flow still undecided once FIRST_BYTES_DECISION_CAP bytes are in, or when the
 * caller passes final=true (its first-bytes timer fired, or the client closed), is unknown: a client that
 * waits for the server to speak first (SMTP, FTP, …) is, from here, exactly that.
 *
 * Results are frozen constants: classification allocates nothing.
 */

export type FlowProtocol = "http" | "tls" | "ssh" | "openvpn" | "rdp" | "socks4" | "socks5" | "bittorrent" | "unknown";

export type FirstBytesResult =
  | { readonly kind: "need-more" }
  | { readonly kind: "decided"; readonly protocol: FlowProtocol };

/** After this many bytes the classifier decides, with 'unknown' if nothing matched. */
export const FIRST_BYTES_DECISION_CAP = 16;

const NEED_MORE: FirstBytesResult = Object.freeze({ kind: "need-more" });
const DECIDED = Object.freeze(
  Object.fromEntries(
    (["http", "tls", "ssh", "openvpn", "rdp", "socks4", "socks5", "bittorrent", "unknown"] as const).map((p) => [p, Object.freeze({ kind: "decided", protocol: p })]),
  ),
) as Readonly<Record<FlowProtocol, FirstBytesResult>>;

const enum M { No, Maybe, Yes }

const OPENVPN_MIN_RESET = 14;
const OPENVPN_MAX_RESET = 1400;

const SSH2 = Buffer.from("SSH-2.0-", "latin1");
const SSH199 = Buffer.from("SSH-1.99-", "latin1");
// BEP 3 pstrlen + pstr; only the bytes up to the decision cap are compared, so a decision never changes
// when more bytes arrive.
const BITTORRENT = Buffer.from("\x13BitTorrent protocol", "latin1").subarray(0, FIRST_BYTES_DECISION_CAP);

/** tchar (RFC 9110 §5.6.2) */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

export function classifyFirstBytes(b: Uint8Array, final = false): FirstBytesResult {
  const n = b.length;
  if (n === 0) return final ? DECIDED.unknown : NEED_MORE;
  let maybe = false;
  let m: M;
  if ((m = ssh(b)) === M.Yes) return DECIDED.ssh;
  maybe ||= m === M.Maybe;
  if ((m = tls(b)) === M.Yes) return DECIDED.tls;
  maybe ||= m === M.Maybe;
  if ((m = http(b)) === M.Yes) return DECIDED.http;
  maybe ||= m === M.Maybe;
  if ((m = socks4(b)) === M.Yes) return DECIDED.socks4;
  maybe ||= m === M.Maybe;
  if ((m = socks5(b)) === M.Yes) return DECIDED.socks5;
  maybe ||= m === M.Maybe;
  if ((m = rdp(b)) === M.Yes) return DECIDED.rdp;
  maybe ||= m === M.Maybe;
  if ((m = openvpn(b)) === M.Yes) return DECIDED.openvpn;
  maybe ||= m === M.Maybe;
  if ((m = bittorrent(b)) === M.Yes) return DECIDED.bittorrent;
  maybe ||= m === M.Maybe;
  if (maybe && !final && n < FIRST_BYTES_DECISION_CAP) return NEED_MORE;
  return DECIDED.unknown;
}

/** Compares the available bytes with a fixed prefix: Yes when `need` bytes of it matched. */
function prefix(b: Uint8Array, p: Uint8Array, need: number): M {
  const k = Math.min(b.length, p.length);
  for (let i = 0; i < k; i++) if (b[i] !== p[i]) return M.No;
  return k >= need ? M.Yes : M.Maybe;
}

/** RFC 4253 §4.2: the identification string "SSH-protoversion-softwareversion"; "1.99" is 2.0-compatible. */
function ssh(b: Uint8Array): M {
  const a = prefix(b, SSH2, SSH2.length);
  return a === M.No ? prefix(b, SSH199, SSH199.length) : a;
}

/**
 * RFC 8446 §5.1: a handshake record (22) with legacy_record_version 3.0–3.4 (0x0301 from TLS 1.3 clients).
 * An SSL 2.0-compatible ClientHello (RFC 5246 Appendix E.2: length with the high bit, msg_type 1, version
 * 0x0002 or 3.x) is TLS too: the ClientHello parser refuses it with its own code.
 */
function tls(b: Uint8Array): M {
  const b0 = b[0]!;
  if (b0 === 0x16) {
    if (b.length < 3) return b.length === 2 && b[1] !== 0x03 ? M.No : M.Maybe;
    return b[1] === 0x03 && b[2]! <= 0x04 ? M.Yes : M.No;
  }
  if (b0 & 0x80) {
    if (b.length < 5) return b.length >= 3 && b[2] !== 0x01 ? M.No : M.Maybe;
    const v = (b[3]! << 8) | b[4]!;
    return b[2] === 0x01 && (v === 0x0002 || (v >= 0x0300 && v <= 0x0303)) ? M.Yes : M.No;
  }
  return M.No;
}

/**
 * RFC 9112 §3: method (a token) SP request-target. The target must start like one of the four forms
 * ("/", "*", or a scheme/host letter or digit), which keeps token-then-space lines of other text
 * protocols out.
 */
function http(b: Uint8Array): M {
  const n = b.length;
  let i = 0;
  while (i < n && TCHAR[b[i]!] === 1) i++;
  if (i === n) return M.Maybe;
  if (i === 0 || b[i] !== 0x20) return M.No;
  if (i + 1 === n) return M.Maybe;
  const t = b[i + 1]!;
  return t === 0x2f || t === 0x2a || (t >= 0x30 && t <= 0x39) || ((t | 0x20) >= 0x61 && (t | 0x20) <= 0x7a) || t === 0x5b ? M.Yes : M.No;
}

/**
 * SOCKS 4 / 4a request (SOCKS: A protocol for TCP proxies across firewalls, Ying-Da Lee): VN=4, CD=1
 * (CONNECT) or 2 (BIND), DSTPORT, DSTIP, USERID, NUL. The 8-byte fixed part decides.
 */
function socks4(b: Uint8Array): M {
  if (b[0] !== 0x04) return M.No;
  if (b.length < 2) return M.Maybe;
  if (b[1] !== 0x01 && b[1] !== 0x02) return M.No;
  return b.length >= 8 ? M.Yes : M.Maybe;
}

/**
 * SOCKS 5 greeting (RFC 1928 §3): VER=5, NMETHODS ≥ 1, METHODS. Decided once the 2 + NMETHODS bytes are
 * in (or the cap is reached); 0xFF (no acceptable methods) is a server's answer, never a client's offer.
 * Bytes after the greeting do not matter: some clients send their request without waiting.
 */
function socks5(b: Uint8Array): M {
  if (b[0] !== 0x05) return M.No;
  if (b.length < 2) return M.Maybe;
  const nm = b[1]!;
  if (nm === 0) return M.No;
  const have = Math.min(b.length - 2, nm);
  for (let i = 0; i < have; i++) if (b[2 + i] === 0xff) return M.No;
  return b.length >= 2 + nm || b.length >= FIRST_BYTES_DECISION_CAP ? M.Yes : M.Maybe;
}

/**
 * RDP: TPKT header (RFC 1006 §6: version 3, reserved 0, length) carrying an X.224 Connection Request TPDU
 * (ITU-T X.224 §13.3: LI, CR code 0xE0 with CDT 0), as in [MS-RDPBCGR] 2.2.1.1. In RDP the length indicator
 * counts the TPDU after itself, so LI = TPKT length − 5.
 */
function rdp(b: Uint8Array): M {
  if (b[0] !== 0x03) return M.No;
  if (b.length >= 2 && b[1] !== 0x00) return M.No;
  if (b.length < 6) return M.Maybe;
  const len = (b[2]! << 8) | b[3]!;
  return len >= 11 && b[4] === len - 5 && b[5] === 0xe0 ? M.Yes : M.No;
}

/**
 * OpenVPN over TCP (OpenVPN "Network protocol" documentation, ssl_pkt.h): a 16-bit packet length, then
 * opcode (high 5 bits) and key_id (low 3 bits). A client starts with P_CONTROL_HARD_RESET_CLIENT_V2 (7) or
 * _V3 (10, tls-crypt-v2) and key_id 0, then an 8-byte session id. The smallest such packet (no tls-auth) is
 * 14 bytes; a V3 reset carries the wrapped client key (at most 1024 bytes) plus tls-crypt overhead.
 */
function openvpn(b: Uint8Array): M {
  if (b.length < 2) return b[0]! > OPENVPN_MAX_RESET >> 8 ? M.No : M.Maybe;
  const len = (b[0]! << 8) | b[1]!;
  if (len < OPENVPN_MIN_RESET || len > OPENVPN_MAX_RESET) return M.No;
  if (b.length < 3) return M.Maybe;
  const op = b[2]!;
  if (op !== 7 << 3 && op !== 10 << 3) return M.No;
  return b.length >= 11 ? M.Yes : M.Maybe;
}

/** BitTorrent handshake (BEP 3): pstrlen 19, "BitTorrent protocol". 16 bytes of it are enough to decide. */
function bittorrent(b: Uint8Array): M {
  return prefix(b, BITTORRENT, FIRST_BYTES_DECISION_CAP);
}
