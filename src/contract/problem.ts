/**
 * Stable error codes (QQ_ERR_*) and the Problem error class rendered as RFC 9457 problem+json at the API edge.
 * A code names one failure forever; its HTTP status travels with it so every layer raises the same thing.
 */
export const PROBLEMS = {
  QQ_ERR_VALIDATION: { status: 400, title: "The request is not valid" },
  QQ_ERR_BAD_CONTENT_TYPE: { status: 415, title: "Unsupported content type" },
  QQ_ERR_BODY_TOO_LARGE: { status: 413, title: "Request body too large" },
  QQ_ERR_UNAUTHENTICATED: { status: 401, title: "Authentication required" },
  QQ_ERR_BAD_CREDENTIALS: { status: 401, title: "Wrong username or password" },
  QQ_ERR_FORBIDDEN: { status: 403, title: "Not allowed for this role or scope" },
  QQ_ERR_CSRF: { status: 403, title: "Missing or wrong CSRF token" },
  QQ_ERR_NOT_FOUND: { status: 404, title: "Not found" },
  QQ_ERR_CONFLICT: { status: 409, title: "Conflicts with the current state" },
  QQ_ERR_DUPLICATE: { status: 409, title: "Already exists" },
  QQ_ERR_CATALOGUE_OVERLAP: { status: 409, title: "Prefix overlaps another organisation's prefix" },
  QQ_ERR_CATALOGUE_IMPORT: { status: 422, title: "The catalogue import has row errors; nothing was written" },
  QQ_ERR_ILLEGAL_TRANSITION: { status: 409, title: "Transition not allowed from the current state" },
  QQ_ERR_RATE_LIMITED: { status: 429, title: "Too many requests" },
  QQ_ERR_DATA_DIR_LOCKED: { status: 503, title: "The data directory is in use by another process" },
  QQ_ERR_NOT_READY: { status: 503, title: "Not ready" },
  QQ_ERR_INTERNAL: { status: 500, title: "Internal error" },
  // Raised by the working-day calendar (src/domain/working-days/errors.ts) with the same codes.
  QQ_ERR_CALENDAR: { status: 400, title: "Calendar error" },
  QQ_ERR_INVALID_DATE: { status: 400, title: "Not a valid civil date" },
  QQ_ERR_DATE_OUT_OF_RANGE: { status: 422, title: "Date outside the calendar's range" },
  QQ_ERR_INVALID_DAY_COUNT: { status: 400, title: "Not a valid day count" },
  QQ_ERR_CALENDAR_DATA: { status: 422, title: "Calendar data contradicts itself or the law" },
  // Workflows (application processing system).
  QQ_ERR_EDS_SIGNATURE_REQUIRED: { status: 400, title: "The application must be signed with the EDS of the legal entity" },
  QQ_ERR_EDS_SIGNATURE: { status: 422, title: "The EDS signature was not accepted" },
  QQ_ERR_EDS_NOT_CONFIGURED: { status: 503, title: "No EDS trust anchors are configured" },
  QQ_ERR_EDS_UNAVAILABLE: { status: 503, title: "The external signature verifier is unavailable" },
  QQ_ERR_RESUBMISSION_LOCKED: { status: 409, title: "A new application is accepted only after the waiting period" },
  QQ_ERR_NOT_IN_CATALOGUE: { status: 422, title: "Network addresses outside the organisation's catalogue prefixes" },
  QQ_ERR_ATTACHMENT_TYPE: { status: 415, title: "Attachment type not accepted or not what its content is" },
  QQ_ERR_STALE_VERSION: { status: 409, title: "The application changed since it was read" },
  // Gateway CA (src/services/ca.ts).
  QQ_ERR_CA_NOT_INITIALISED: { status: 404, title: "The gateway CA has no root certificate to distribute" },
  QQ_ERR_CA_ALREADY_INITIALISED: { status: 409, title: "The gateway CA is already initialised; rotate instead" },
  QQ_ERR_CA_NO_ACTIVE_ROOT: { status: 409, title: "The gateway CA has no active root certificate" },
  // Mail gateway (src/services/mail-systems.ts).
  QQ_ERR_MAIL_SYSTEM_NOT_FOUND: { status: 404, title: "No such mail system" },
  QQ_ERR_MAIL_SYSTEM_NOT_SUSPENDED: { status: 409, title: "The mail system is not suspended" },
  QQ_ERR_MAIL_GATEWAY_NOT_RUNNING: { status: 503, title: "The mail gateway does not run on this node" },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: ProblemCode;
  [extension: string]: unknown;
}

export class Problem extends Error {
  override name = "Problem";
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? PROBLEMS[code].title);
    this.status = PROBLEMS[code].status;
  }

  toJSON(instance?: string): ProblemDetails {
    const slug = this.code.slice("QQ_ERR_".length).toLowerCase().replaceAll("_", "-");
    return {
      type: `urn:qaqpa:problem:${slug}`,
      title: PROBLEMS[this.code].title,
      status: this.status,
      detail: this.message,
      ...(instance ? { instance } : {}),
      code: this.code,
      ...this.extensions,
    };
  }
}
