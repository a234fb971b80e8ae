/**
 * The ExternalGostVerifier over HTTP: qaqpa cannot verify the Kazakh GOST algorithms itself, so it asks a
 * service that can (one built on the NCA's SDK, run by STS or provided by the NCA). The contract, also in
 * docs/eds.md:
 *
 *   POST <url>   Content-Type: application/json
 *     { "version": 1, "content": base64, "signature": base64 (DER CMS), "trustAnchors": [PEM…],
 *       "intermediates": [PEM…], "expectedBin": string | null, "now": ISO 8601 }
 *   200 application/json — an EdsVerification:
 *     { "ok": true, "signerBin", "signerIin", "subject", "issuer", "serial", "notBefore", "notAfter",
 *       "signingTime", "algorithm", "chain": [subjects, signer first], "notes"?: [string] }
 *     { "ok": false, "code": one of EdsErrorCode, "message": string }
 *
 * A verdict about the signature (bad-signature, expired, …) is a 200 with ok:false. Anything else — another
 * status, a network error, a timeout, an answer that is not that JSON — is external-verifier-unavailable, so
 * an outage is never mistaken for a rejected signature.
 */
import { decodeSignature } from "./decode.js";
import { asEdsVerification, fail, type EdsVerification, type EdsVerificationInput, type ExternalGostVerifier } from "./types.js";

export const GOST_VERIFIER_TIMEOUT_MS = 15_000;
/** An answer is a few hundred bytes; anything near this is not an answer. */
const MAX_ANSWER_BYTES = 1024 * 1024;

export function httpGostVerifier(url: string, fetchImpl: typeof fetch = fetch, opts: { timeoutMs?: number } = {}): ExternalGostVerifier {
  const timeoutMs = opts.timeoutMs ?? GOST_VERIFIER_TIMEOUT_MS;
  return {
    async verify(input: EdsVerificationInput): Promise<EdsVerification> {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return fail("external-verifier-unavailable", "the GOST verifier URL is not a valid URL");
      }
      // Credentials or a query string in the configured URL stay out of messages and logs. fetch refuses a URL
      // with user info, so credentials written into it travel as HTTP Basic authentication (RFC 7617).
      const where = `${target.origin}${target.pathname}`;
      const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
      if (target.username || target.password) {
        const user = `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`;
        headers.authorization = `Basic ${Buffer.from(user, "utf8").toString("base64")}`;
        target.username = "";
        target.password = "";
      }
      const hide = (message: string) => message.split(url).join(where).split(target.href).join(where);
      const signature = decodeSignature(input.signature);
      if (!signature.ok) return fail("malformed", signature.message);
      const body = JSON.stringify({
        version: 1,
        content: Buffer.from(input.content).toString("base64"),
        signature: Buffer.from(signature.der).toString("base64"),
        trustAnchors: input.trustAnchors ?? [],
        intermediates: input.intermediates ?? [],
        expectedBin: input.expectedBin ?? null,
        now: input.now.toISOString(),
      });
      let response: Response;
      try {
        response = await fetchImpl(target, {
          method: "POST",
          headers,
          body,
          redirect: "error",
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
        const why = timedOut ? `no answer within ${timeoutMs} ms` : hide(errorText(e));
        return fail("external-verifier-unavailable", `the GOST verifier at ${where} is unreachable: ${why}`);
      }
      let text: string;
      try {
        text = await readCapped(response, MAX_ANSWER_BYTES);
      } catch (e) {
        return fail("external-verifier-unavailable", `the GOST verifier at ${where} sent an unreadable answer: ${hide(errorText(e))}`);
      }
      if (response.status !== 200) {
        return fail("external-verifier-unavailable", `the GOST verifier at ${where} answered HTTP ${response.status}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return fail("external-verifier-unavailable", `the GOST verifier at ${where} answered with something that is not JSON`);
      }
      const result = asEdsVerification(json);
      if (!result) return fail("external-verifier-unavailable", `the GOST verifier at ${where} answered JSON that is not a verification result`);
      return result.ok ? result : fail(result.code, `GOST verifier: ${result.message}`);
    },
  };
}

async function readCapped(response: Response, cap: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > cap) throw new Error(`answer of ${declared} bytes`);
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel();
      throw new Error(`answer over ${cap} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function errorText(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : "";
  return (e instanceof Error ? e.message : String(e)) + cause;
}
