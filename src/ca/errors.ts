/**
 * Typed CA errors. Each is a `Problem` with a stable QQ_ERR_* code and HTTP status (so the API renders it as
 * problem+json unchanged) plus a CA-specific `reason` that tests and the CLI match on.
 */
import { Problem } from "../contract/problem.js";

/** The name is not a DNS name we sign (syntax, wildcard or IP not allowed). RFC 5280 §4.2.1.6, RFC 1034 §3.5. */
export class InvalidLeafNameError extends Problem {
  override name = "InvalidLeafNameError";
  constructor(
    readonly leafName: string,
    readonly reason: "syntax" | "too-long" | "wildcard-not-allowed" | "ip-not-allowed" | "wildcard-too-broad",
    detail: string,
  ) {
    super("QQ_ERR_VALIDATION", detail, { reason, leafName });
  }
}

/**
 * The authority refuses to sign a protected name (Rules p.20). `reason` says which of the two independent
 * refusals fired: the injected protected-category predicate, or the name-constraint subtree list that the
 * issuing intermediate also carries.
 */
export class ProtectedNameError extends Problem {
  override name = "ProtectedNameError";
  constructor(
    readonly leafName: string,
    readonly reason: "protected-category" | "name-constraint",
    readonly subtree?: string,
  ) {
    super(
      "QQ_ERR_FORBIDDEN",
      reason === "protected-category"
        ? `${leafName} is in a protected category (Rules p.20); it is never intercepted`
        : `${leafName} is under the excluded namespace ${subtree} (Rules p.20); the CA never signs it`,
      { reason, leafName, ...(subtree ? { subtree } : {}) },
    );
  }
}

/** A lifecycle event not allowed from the current state (see lifecycle.ts). */
export class IllegalCaTransitionError extends Problem {
  override name = "IllegalCaTransitionError";
  constructor(readonly reason: string) {
    super("QQ_ERR_ILLEGAL_TRANSITION", reason, { reason });
  }
}

/** A configuration or validity problem when generating CA certificates or leaves. */
export class CaConfigError extends Problem {
  override name = "CaConfigError";
  constructor(detail: string) {
    super("QQ_ERR_VALIDATION", detail);
  }
}

/** The store changed under us (compare-and-swap lost), or a record already exists. */
export class CaConflictError extends Problem {
  override name = "CaConflictError";
  constructor(detail: string) {
    super("QQ_ERR_CONFLICT", detail);
  }
}

export class CaNotFoundError extends Problem {
  override name = "CaNotFoundError";
  constructor(detail: string) {
    super("QQ_ERR_NOT_FOUND", detail);
  }
}
