/**
 * Certification path building and validation, the subset of RFC 5280 §6.1 a CMS signature check needs.
 *
 * Building: from the signer's certificate up, a candidate issuer is any certificate (carried in the CMS, supplied
 * as an intermediate, or a trust anchor) whose subject equals the child's issuer, byte for byte (RFC 5280 §7.1
 * allows a looser comparison; CAs copy the issuer name, so exact bytes are what real paths have). Depth-first,
 * so cross-certificates and re-issued CAs with the same name are all tried; a path ends at a trust anchor.
 *
 * Validation of each step (§6.1.3, §6.1.4):
 *   - the child's signature verifies under the issuer's public key (§6.1.3 (a)(1));
 *   - an issuing CA that is not the trust anchor has basicConstraints cA=TRUE (§4.2.1.9, §6.1.4 (k)) and, when
 *     keyUsage is present, keyCertSign (§4.2.1.3, §6.1.4 (n));
 *   - pathLenConstraint counts the non-self-issued intermediates below a CA (§4.2.1.9, §6.1.4 (l), (m));
 *   - no certificate carries a critical extension we do not process (§6.1.4 (o)) or a malformed one;
 *   - every certificate of the path, the anchor included, is valid at the validation time (§6.1.3 (a)(2));
 *     checking the anchor's dates is stricter than §6.1.1 (d) asks, and what an operator expects of a root
 *     STS uploads.
 * A trust anchor is a name and a key (§6.1.1 (d)): a certificate matches it when subject and public key equal an
 * anchor's. A self-signed certificate carried in the CMS is therefore not trusted for its name alone.
 *
 * Not done: revocation (§6.3), name constraints and certificate policies (§6.1.3 (b)–(d), §6.1.4 (a)–(j)) —
 * a critical nameConstraints or policyConstraints extension makes the path fail instead of being ignored.
 */
import { publicKeyOf, schemeOf, verifySignature } from "./algorithms.js";
import { KEY_USAGE, sameBytes, type Cert } from "./certificate.js";

/** Longest path tried, signer and anchor included. The NCA's paths have three certificates. */
export const MAX_PATH_LENGTH = 8;
/** Bounds on the search, so that a CMS stuffed with same-named certificates cannot make us spin. */
const MAX_SIGNATURE_CHECKS = 64;
const MAX_PATHS = 8;

export type ChainResult =
  | { ok: true; path: Cert[] }
  | { ok: false; code: "untrusted-chain" | "expired" | "not-yet-valid"; message: string };

export function validatePath(leaf: Cert, pool: readonly Cert[], anchors: readonly Cert[], at: Date): ChainResult {
  const anchorKeys = new Set(anchors.map(anchorKey));
  const candidates = dedupe([...pool, ...anchors]);
  const signatureMemo = new Map<string, string | null>();
  let checks = 0;
  let best = { depth: -1, reason: "" };
  const note = (depth: number, reason: string) => {
    if (depth > best.depth) best = { depth, reason };
  };

  /** Why `child` is not signed by `issuer`, or null when it is. */
  const signedBy = (child: Cert, issuer: Cert): string | null => {
    const key = `${child.id}/${issuer.id}`;
    const memo = signatureMemo.get(key);
    if (memo !== undefined) return memo;
    if (++checks > MAX_SIGNATURE_CHECKS) return "too many candidate issuers";
    let reason: string | null = null;
    const scheme = schemeOf(child.signatureAlgorithm);
    const pub = publicKeyOf(issuer.spki);
    if (!scheme.ok) reason = `${child.subject}: ${scheme.message}`;
    else if (!pub.ok) reason = `${issuer.subject}: ${pub.message}`;
    else if (!verifySignature(scheme.scheme, pub.key, child.tbs, child.signature)) {
      reason = `the signature on ${child.subject} does not verify under the key of ${issuer.subject}`;
    }
    signatureMemo.set(key, reason);
    return reason;
  };

  const paths: Cert[][] = [];
  const walk = (path: Cert[]): void => {
    if (paths.length >= MAX_PATHS) return;
    const current = path[path.length - 1]!;
    const own = ownProblem(current);
    if (own) return note(path.length, own);
    if (anchorKeys.has(anchorKey(current))) {
      paths.push([...path]);
      return;
    }
    // A self-signed certificate that is not an anchor is a root nobody configured: the end of this branch.
    if (sameBytes(current.subjectDer, current.issuerDer) && signedBy(current, current) === null) {
      return note(path.length, `${current.subject} is a self-signed root that is not a configured trust anchor`);
    }
    if (path.length >= MAX_PATH_LENGTH) return note(path.length, `the path is longer than ${MAX_PATH_LENGTH} certificates`);
    const issuers = candidates.filter((c) => sameBytes(c.subjectDer, current.issuerDer) && !path.some((p) => p.id === c.id));
    if (issuers.length === 0) {
      const selfIssued = sameBytes(current.subjectDer, current.issuerDer);
      return note(
        path.length,
        selfIssued
          ? `${current.subject} is self-issued but not a configured trust anchor`
          : `the issuer ${current.issuer} of ${current.subject} is neither carried in the signature, nor a supplied intermediate, nor a trust anchor`,
      );
    }
    for (const issuer of issuers) {
      const bad = signedBy(current, issuer) ?? caProblem(issuer, path, anchorKeys.has(anchorKey(issuer)));
      if (bad) {
        note(path.length, bad);
        continue;
      }
      path.push(issuer);
      walk(path);
      path.pop();
    }
  };
  walk([leaf]);

  if (paths.length === 0) {
    return { ok: false, code: "untrusted-chain", message: `no path from the signer's certificate to a configured trust anchor: ${best.reason}` };
  }
  let firstTimeProblem: ChainResult | null = null;
  for (const path of paths) {
    const problem = timeProblem(path, at);
    if (!problem) return { ok: true, path };
    firstTimeProblem ??= problem;
  }
  return firstTimeProblem!;
}

function anchorKey(c: Cert): string {
  return `${Buffer.from(c.subjectDer).toString("hex")}|${Buffer.from(c.spki).toString("hex")}`;
}

function dedupe(certs: Cert[]): Cert[] {
  const seen = new Set<string>();
  return certs.filter((c) => !seen.has(c.id) && (seen.add(c.id), true));
}

function ownProblem(c: Cert): string | null {
  if (c.problems.length > 0) return `${c.subject}: ${c.problems.join("; ")}`;
  if (c.unprocessedCritical.length > 0) return `${c.subject} has critical extensions that are not processed: ${c.unprocessedCritical.join(", ")}`;
  return null;
}

/** §6.1.4 (k)–(n) for `issuer` about to sign the last certificate of `below` (signer first). */
function caProblem(issuer: Cert, below: readonly Cert[], isAnchor: boolean): string | null {
  const bc = issuer.basicConstraints;
  if (!isAnchor) {
    if (!bc?.ca) return `${issuer.subject} is not a CA certificate (basicConstraints cA is not TRUE) but issued ${below[below.length - 1]!.subject}`;
    if (issuer.keyUsage && !issuer.keyUsage.has(KEY_USAGE.keyCertSign)) {
      return `${issuer.subject} may not sign certificates (keyUsage without keyCertSign)`;
    }
  }
  if (bc?.pathLen != null) {
    // Intermediates between this CA and the signer: below[1..], self-issued ones not counted.
    const intermediates = below.slice(1).filter((c) => !sameBytes(c.subjectDer, c.issuerDer)).length;
    if (intermediates > bc.pathLen) return `${issuer.subject} allows ${bc.pathLen} intermediate CA(s) below it, the path has ${intermediates}`;
  }
  return null;
}

function timeProblem(path: readonly Cert[], at: Date): ChainResult | null {
  for (const [i, c] of path.entries()) {
    const role = i === 0 ? "the signer's certificate" : i === path.length - 1 ? "the trust anchor" : "the intermediate CA certificate";
    const checked = `(checked at ${at.toISOString()})`;
    if (at.getTime() > c.notAfter.getTime()) {
      return { ok: false, code: "expired", message: `${role} ${c.subject} expired on ${c.notAfter.toISOString()} ${checked}` };
    }
    if (at.getTime() < c.notBefore.getTime()) {
      return { ok: false, code: "not-yet-valid", message: `${role} ${c.subject} is valid only from ${c.notBefore.toISOString()} ${checked}` };
    }
  }
  return null;
}
