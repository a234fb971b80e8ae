/**
 * One BER/DER element from bytes, or null. asn1js bounds depth, node count and length, reports most errors in
 * the result, but throws on some malformed primitives (an unparsable GeneralizedTime, for one): both become
 * null here, as do bytes left over after the element.
 */
import * as asn1js from "asn1js";

export function decodeBer(bytes: Uint8Array): asn1js.AsnType | null {
  try {
    const parsed = asn1js.fromBER(bytes);
    if (parsed.offset !== bytes.length || parsed.result.error) return null;
    return parsed.result;
  } catch {
    return null;
  }
}
