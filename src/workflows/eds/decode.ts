/**
 * Getting bytes out of what people upload: a CMS signature as DER, PEM (RFC 7468 §9 labels "CMS" and "PKCS7",
 * plus the Windows "PKCS #7 SIGNED DATA") or bare base64 — the form browser signing tools such as NCALayer hand
 * over — and certificates as PEM. Pure functions; every problem is a message, never an exception.
 */

export type Decoded = { ok: true; der: Uint8Array } | { ok: false; message: string };

/** Largest signature we parse. A detached CMS is a few kilobytes; the cap (that of the ASN.1 decoder too) only bounds the work on garbage. */
export const MAX_SIGNATURE_BYTES = 16 * 1024 * 1024;

const CMS_PEM_LABELS = new Set(["CMS", "PKCS7", "PKCS #7 SIGNED DATA"]);
const ASN1_SEQUENCE = 0x30;

/** Decode a signature given as DER bytes, as text in bytes, or as a string. */
export function decodeSignature(signature: Uint8Array | string): Decoded {
  if (signature instanceof Uint8Array) {
    if (signature.length === 0) return { ok: false, message: "the signature is empty" };
    if (signature.length > MAX_SIGNATURE_BYTES) return { ok: false, message: `the signature exceeds ${MAX_SIGNATURE_BYTES} bytes` };
    // DER of a ContentInfo starts with a SEQUENCE tag; anything else is taken for PEM/base64 text.
    if (signature[0] === ASN1_SEQUENCE) return { ok: true, der: signature };
    return decodeSignatureText(Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString("latin1"));
  }
  if (typeof signature === "string") return decodeSignatureText(signature);
  return { ok: false, message: "the signature is neither bytes nor text" };
}

function decodeSignatureText(text: string): Decoded {
  if (text.length > MAX_SIGNATURE_BYTES * 2) return { ok: false, message: "the signature text is too long" };
  if (text.includes("-----BEGIN ")) {
    const blocks = pemBlocks(text);
    if (blocks.length === 0) return { ok: false, message: "the PEM block is not terminated" };
    const block = blocks.find((b) => CMS_PEM_LABELS.has(b.label));
    if (!block) return { ok: false, message: `PEM label "${blocks[0]!.label.slice(0, 40)}" is not a CMS signature (expected CMS or PKCS7)` };
    return decodeBase64(block.body, "the PEM body");
  }
  return decodeBase64(text, "the signature");
}

/** Strict base64 (RFC 4648 §4, or the URL-safe alphabet of §5), whitespace ignored. */
export function decodeBase64(text: string, what: string): Decoded {
  const compact = text.replace(/\s+/g, "");
  if (compact.length === 0) return { ok: false, message: `${what} is empty` };
  const standard = compact.replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(standard) || standard.length % 4 === 1) {
    return { ok: false, message: `${what} is not DER, PEM or base64` };
  }
  const der = new Uint8Array(Buffer.from(standard, "base64"));
  if (der.length === 0) return { ok: false, message: `${what} decodes to nothing` };
  if (der.length > MAX_SIGNATURE_BYTES) return { ok: false, message: `the signature exceeds ${MAX_SIGNATURE_BYTES} bytes` };
  return { ok: true, der };
}

/**
 * The DER certificates in a PEM text (one or several "CERTIFICATE" blocks, e.g. a bundle); a text without PEM
 * armour is read as the base64 of one certificate. Blocks that are not base64 are reported, not thrown.
 */
export function decodeCertificates(pem: string): { ders: Uint8Array[]; problems: string[] } {
  const ders: Uint8Array[] = [];
  const problems: string[] = [];
  if (typeof pem !== "string") return { ders, problems: ["a certificate entry is not text"] };
  if (!pem.includes("-----BEGIN ")) {
    const d = decodeBase64(pem, "a certificate");
    if (d.ok) ders.push(d.der);
    else problems.push(d.message);
    return { ders, problems };
  }
  for (const block of pemBlocks(pem)) {
    if (block.label !== "CERTIFICATE" && block.label !== "X509 CERTIFICATE") continue;
    const d = decodeBase64(block.body, "a certificate PEM body");
    if (d.ok) ders.push(d.der);
    else problems.push(d.message);
  }
  if (ders.length === 0 && problems.length === 0) problems.push("no CERTIFICATE block in the PEM text");
  return { ders, problems };
}

/**
 * The PEM blocks of a text (RFC 7468 §2), in order. A scan with indexOf rather than a backtracking regular
 * expression, and it stops at the first unterminated block, so the work stays linear in the text.
 */
function pemBlocks(text: string): Array<{ label: string; body: string }> {
  const out: Array<{ label: string; body: string }> = [];
  let at = 0;
  for (;;) {
    const begin = text.indexOf("-----BEGIN ", at);
    if (begin < 0) return out;
    const labelStart = begin + "-----BEGIN ".length;
    const labelEnd = text.indexOf("-----", labelStart);
    if (labelEnd < 0 || labelEnd - labelStart > 64) return out;
    const label = text.slice(labelStart, labelEnd);
    const endMarker = `-----END ${label}-----`;
    const end = text.indexOf(endMarker, labelEnd + 5);
    if (end < 0) return out;
    out.push({ label, body: text.slice(labelEnd + 5, end) });
    at = end + endMarker.length;
  }
}
