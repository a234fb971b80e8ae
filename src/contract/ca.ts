/**
 * The gateway CA in the API (Rules p.21–23): certificates with their lifecycle, the actions of the STS
 * administrator, and the root certificate files every role may download (operators pass the root on, p.22;
 * organisations install it, p.23). No schema here has a field for key material.
 */
import { Type, type Static } from "@sinclair/typebox";
import { Instant, Uuid } from "./common.js";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const CaState = Type.Union([Type.Literal("generated"), Type.Literal("published"), Type.Literal("active"), Type.Literal("retiring"), Type.Literal("revoked")], {
  description: "generated → published (to operators, p.21) → active (issuing) → retiring (overlap after a rotation) → revoked",
});

/** RFC 5280 §5.3.1 CRLReason values that apply to a CA certificate. */
export const RevocationReason = Type.Union([
  Type.Literal("unspecified"),
  Type.Literal("keyCompromise"),
  Type.Literal("cACompromise"),
  Type.Literal("superseded"),
  Type.Literal("cessationOfOperation"),
]);
export type RevocationReason = Static<typeof RevocationReason>;

export const CaKeyAlgorithm = Type.Union([Type.Literal("ecdsa-p256"), Type.Literal("ecdsa-p384"), Type.Literal("rsa-3072")]);

const Fingerprint = Type.String({ description: "colon-separated upper-case hex, as `openssl x509 -fingerprint` prints it" });

export const CaEvent = Type.Object({
  type: Type.Union([Type.Literal("publish"), Type.Literal("activate"), Type.Literal("retire"), Type.Literal("revoke")]),
  reason: Type.Optional(RevocationReason),
});

/** A step of a rotation that falls due later; the control plane applies it at `at`. */
export const CaScheduledStep = Type.Object({ id: Uuid, rotationId: Uuid, certificateId: Uuid, event: CaEvent, at: Instant });
export type CaScheduledStep = Static<typeof CaScheduledStep>;

export const CaCertificate = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal("root"), Type.Literal("intermediate")]),
  parentId: Nullable(Uuid),
  state: CaState,
  subject: Type.String(),
  serialHex: Type.String(),
  keyAlgorithm: CaKeyAlgorithm,
  sha256: Fingerprint,
  sha1: Fingerprint,
  notBefore: Instant,
  notAfter: Instant,
  excludedDns: Type.Array(Type.String(), { description: "dNSName excludedSubtrees of the certificate's NameConstraints (RFC 5280 §4.2.1.10)" }),
  generatedAt: Instant,
  publishedAt: Nullable(Instant),
  activatedAt: Nullable(Instant),
  retiringAt: Nullable(Instant),
  revokedAt: Nullable(Instant),
  revocationReason: Nullable(RevocationReason),
  version: Type.Integer(),
  scheduled: Type.Array(CaScheduledStep),
});
export type CaCertificate = Static<typeof CaCertificate>;

export const CaCertificateDetail = Type.Composite([
  CaCertificate,
  Type.Object({
    pem: Type.String(),
    history: Type.Array(Type.Object({ version: Type.Integer(), state: CaState, at: Instant })),
  }),
]);
export type CaCertificateDetail = Static<typeof CaCertificateDetail>;

export const CaCertificateList = Type.Object({ items: Type.Array(CaCertificate) });
export type CaCertificateList = Static<typeof CaCertificateList>;

const ValidityDays = (max: number) => Type.Integer({ minimum: 1, maximum: max });
const BankDomains = Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
  maxItems: 1000,
  description: "bank domains the issuing intermediate excludes besides gov.kz and egov.kz (Rules p.20); default the curated list",
});

const generation = {
  rootAlgorithm: Type.Optional(CaKeyAlgorithm),
  rootValidityDays: Type.Optional(ValidityDays(3660)),
  intermediateValidityDays: Type.Optional(ValidityDays(3660)),
  bankDomains: Type.Optional(BankDomains),
};

export const CaInitRequest = Type.Object(generation, { additionalProperties: false });
export type CaInitRequest = Static<typeof CaInitRequest>;

export const CaRotateRequest = Type.Object(
  {
    scope: Type.Union([Type.Literal("root"), Type.Literal("intermediate")], { default: "root", description: "root: new root and intermediate (redistributed to workstations); intermediate: a new issuing CA under the active root" }),
    publicationLeadDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365, description: "root only: days between publishing the new root and activating it (default 14)" })),
    overlapDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365, description: "days the old certificate stays retiring before it is revoked (default 30 root / 7 intermediate)" })),
    ...generation,
  },
  { additionalProperties: false },
);
export type CaRotateRequest = Static<typeof CaRotateRequest>;

export const CaActivateRequest = Type.Object(
  { minPublicationLeadDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365, description: "refuse unless the root was published at least this many days ago (p.22–23 installation time)" })) },
  { additionalProperties: false },
);
export type CaActivateRequest = Static<typeof CaActivateRequest>;

export const CaRevokeRequest = Type.Object({ reason: RevocationReason }, { additionalProperties: false });
export type CaRevokeRequest = Static<typeof CaRevokeRequest>;

export const CaPair = Type.Object({ root: CaCertificate, intermediate: CaCertificate });
export type CaPair = Static<typeof CaPair>;

const AppliedStep = Type.Object({ certificateId: Uuid, event: CaEvent, at: Instant });

export const CaRotateResult = Type.Object({
  rotationId: Uuid,
  created: Type.Object({ root: Type.Optional(CaCertificate), intermediate: CaCertificate }),
  applied: Type.Array(AppliedStep),
  pending: Type.Array(CaScheduledStep),
  switchAt: Instant,
  warnings: Type.Array(Type.String()),
});
export type CaRotateResult = Static<typeof CaRotateResult>;

export const CaRootFile = Type.Object({
  filename: Type.String(),
  contentType: Type.String(),
  platforms: Type.Array(Type.String(), { description: "common | windows | macos | firefox | debian | rhel" }),
  installPaths: Type.Array(Type.String()),
  size: Type.Integer(),
  url: Type.String({ description: "download path under the API" }),
});

export const CaRoot = Type.Object({
  id: Uuid,
  state: CaState,
  subject: Type.String(),
  sha256: Fingerprint,
  sha1: Fingerprint,
  fp8: Type.String({ description: "first 8 hex digits of the SHA-256 fingerprint; names the files" }),
  notBefore: Instant,
  notAfter: Instant,
  files: Type.Array(CaRootFile),
});
export type CaRoot = Static<typeof CaRoot>;

export const CaRootQuery = Type.Object({ id: Type.Optional(Uuid) }, { additionalProperties: false });
export const CaFileParams = Type.Object({ filename: Type.String({ minLength: 1, maxLength: 200, pattern: "^[A-Za-z0-9._-]+$" }) }, { additionalProperties: false });
