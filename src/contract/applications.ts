/**
 * Applications of the application processing system (p.3(8)): the documents each kind carries (field lists
 * from the Rules' Appendices), the data of each event, and what the API returns. Secrets (a TLS private key,
 * web-root credentials) are accepted on submission and never returned: responses list them as sealed fields.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { CivilDate, Contact, Email, Instant, PageQuery, Uuid } from "./common.js";
import { APPLICATION_KINDS, type ApplicationKind } from "../domain/workflows/types.js";
import { SEVERITIES } from "../domain/workflows/incident.js";
import { CHANGE_FIELDS } from "../domain/workflows/resource-change.js";

const Str = (max: number, min = 1) => Type.String({ minLength: min, maxLength: max });
const Hostname = Type.String({ minLength: 1, maxLength: 253, pattern: "^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?$", description: "domain name (A-labels)" });
const IpAddress = Type.String({ minLength: 2, maxLength: 45, description: "IPv4 or IPv6 address" });
const Cidr = Type.String({ minLength: 2, maxLength: 49, description: "network in CIDR notation, canonical (no host bits)" });
const Pem = (what: string, max = 64 * 1024) => Type.String({ minLength: 20, maxLength: max, description: `${what}, PEM` });
const Product = Type.Object({ name: Str(200), version: Str(100) }, { additionalProperties: false });
const Contacts = Type.Array(Contact, { minItems: 1, maxItems: 10 });
const Note = Type.Optional(Str(4000));

export const ApplicationKindSchema = Type.Union(APPLICATION_KINDS.map((k) => Type.Literal(k)));

/** Appendix 1 (p.5): bandwidth in whole Gbps, at least 1; main and reserve channels over independent paths. */
export const ChannelConnectionDocument = Type.Object(
  {
    bandwidthGbps: Type.Integer({ minimum: 1, maximum: 1000, description: "measurement unit 1 Gbps; minimum 1 Gbps (Appendix 1)" }),
    plannedPeriod: Type.Object({ from: CivilDate, until: Type.Optional(CivilDate) }, { additionalProperties: false, description: "planned period of the access to the UGIA (Appendix 1)" }),
    objectName: Str(500),
    objectAddress: Str(500),
    mainChannel: Type.Object({ description: Str(1000), connectionPoint: Type.Optional(Str(500)) }, { additionalProperties: false }),
    reserveChannel: Type.Object({ description: Str(1000), connectionPoint: Type.Optional(Str(500)) }, { additionalProperties: false }),
    independentPaths: Type.Literal(true, { description: "main and reserve channels run over independent physical channels (Appendix 2)" }),
    contacts: Contacts,
  },
  { additionalProperties: false },
);

/** p.15: the list of IR categories and the network addresses of the organisation's networks. */
export const AccessPolicyDocument = Type.Object(
  {
    categories: Type.Array(Type.String({ pattern: "^[a-z0-9][a-z0-9-]{0,62}$" }), { minItems: 1, maxItems: 200, uniqueItems: true, description: "IR categories to open" }),
    networks: Type.Array(Cidr, { minItems: 1, maxItems: 1000, uniqueItems: true, description: "network addresses of the organisation's networks; each inside its catalogue prefixes" }),
    note: Note,
  },
  { additionalProperties: false },
);

/** p.15-2: VPN and other network services that carry information-security risks. */
export const ExceptionDocument = Type.Object(
  {
    services: Type.Array(
      Type.Object({ name: Str(200), kind: Type.Union([Type.Literal("vpn"), Type.Literal("remote-access"), Type.Literal("other")]), product: Type.Optional(Str(200)) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 50 },
    ),
    destinations: Type.Array(Str(253), { maxItems: 500, uniqueItems: true, description: "host names or networks the service reaches" }),
    networks: Type.Array(Cidr, { minItems: 1, maxItems: 1000, uniqueItems: true, description: "the organisation's networks it applies to; each inside its catalogue prefixes" }),
    justification: Str(4000, 10),
    requestedUntil: CivilDate,
  },
  { additionalProperties: false },
);

const protectionFields = {
  domain: Hostname,
  ipAddresses: Type.Array(IpAddress, { minItems: 1, maxItems: 50, uniqueItems: true }),
  operatorName: Str(500),
  webServer: Product,
  balancer: Type.Optional(Product),
  dbms: Type.Optional(Product),
  cms: Type.Optional(Product),
  applicationServer: Type.Optional(Product),
  https: Type.Boolean(),
  certificatePem: Type.Optional(Pem("certificate chain of the resource")),
  privateKeyPem: Type.Optional(Pem("private key of the resource (sealed, never returned)", 16 * 1024)),
  contacts: Contacts,
};

/** Appendix 3 (p.17). */
export const WafConnectionDocument = Type.Object(protectionFields, { additionalProperties: false });

/** Appendix 4 (p.18): Appendix 3's data plus web-root access (item 9) and credentials (item 11). */
export const DefacementProtectionDocument = Type.Object(
  {
    ...protectionFields,
    webRootAccess: Type.Object(
      { protocol: Type.Union([Type.Literal("ssh"), Type.Literal("sftp"), Type.Literal("ftp")]), host: Str(253), port: Type.Integer({ minimum: 1, maximum: 65535 }), rootPath: Str(1000), login: Str(200) },
      { additionalProperties: false },
    ),
    credentials: Type.Object({ password: Type.Optional(Str(1000)), privateKeyPem: Type.Optional(Pem("authorisation key (sealed, never returned)", 16 * 1024)) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

/** p.19. */
export const ResourceChangeDocument = Type.Object(
  {
    change: Type.Union([Type.Literal("termination"), Type.Literal("change")]),
    domain: Hostname,
    ipAddresses: Type.Optional(Type.Array(IpAddress, { maxItems: 50 })),
    changedOn: CivilDate,
    changes: Type.Optional(Type.Array(Type.Object({ field: Type.Union(CHANGE_FIELDS.map((f) => Type.Literal(f))), from: Type.Optional(Str(1000)), to: Str(1000) }, { additionalProperties: false }), { maxItems: 20 })),
    note: Note,
  },
  { additionalProperties: false },
);

/** p.14. */
export const IncidentDocument = Type.Object(
  {
    title: Str(300),
    description: Str(20_000),
    severity: Type.Union(SEVERITIES.map((s) => Type.Literal(s))),
    occurredAt: Type.Optional(Instant),
    affectedAddresses: Type.Optional(Type.Array(IpAddress, { maxItems: 200 })),
    affectedDomains: Type.Optional(Type.Array(Str(253), { maxItems: 200 })),
    contact: Type.Optional(Contact),
  },
  { additionalProperties: false },
);

/** UGEM Appendix: the e-mail domain, its owner, the IP address of the mail server, contacts. */
export const MailGatewayConnectionDocument = Type.Object(
  {
    domain: Hostname,
    owner: Str(500),
    serverAddresses: Type.Array(IpAddress, { minItems: 1, maxItems: 20, uniqueItems: true }),
    inbound: Type.Optional(Type.Object({ host: Str(253), port: Type.Integer({ minimum: 1, maximum: 65535 }) }, { additionalProperties: false })),
    contacts: Contacts,
  },
  { additionalProperties: false },
);

/** Beyond the Rules: a request from behind a block page. */
export const RecategorisationDocument = Type.Object(
  {
    host: Hostname,
    url: Type.Optional(Type.String({ maxLength: 2000 })),
    referenceId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9._-]+$", description: "the reference shown on the block page" })),
    requested: Type.Union([Type.Literal("recategorise"), Type.Literal("unblock")]),
    suggestedCategory: Type.Optional(Type.String({ pattern: "^[a-z0-9][a-z0-9-]{0,62}$" })),
    reason: Str(2000, 10),
    contactEmail: Type.Optional(Email),
  },
  { additionalProperties: false },
);

export const RootDistributionDocument = Type.Object({ certificateId: Str(200), fingerprint: Str(200) }, { additionalProperties: false });

export const DOCUMENTS: Record<ApplicationKind, TSchema> = {
  "channel-connection": ChannelConnectionDocument,
  "access-policy": AccessPolicyDocument,
  exception: ExceptionDocument,
  "waf-connection": WafConnectionDocument,
  "defacement-protection": DefacementProtectionDocument,
  "resource-change": ResourceChangeDocument,
  incident: IncidentDocument,
  "mail-gateway-connection": MailGatewayConnectionDocument,
  "root-distribution": RootDistributionDocument,
  recategorisation: RecategorisationDocument,
};

/** Fields sealed at rest and never returned (paths into the document). */
export const SECRET_FIELDS: Partial<Record<ApplicationKind, readonly string[]>> = {
  "waf-connection": ["privateKeyPem"],
  "defacement-protection": ["privateKeyPem", "credentials.password", "credentials.privateKeyPem"],
};

/** The kinds submitted through `POST /api/applications/<kind>` (root distribution is opened by the CA). */
export const SUBMITTABLE_KINDS = APPLICATION_KINDS.filter((k) => k !== "root-distribution");

export const Signature = Type.String({ minLength: 16, maxLength: 256 * 1024, description: "detached CMS/PKCS#7 signature over the canonical JSON of `document`: base64 DER or PEM" });

export function SubmitBody(kind: ApplicationKind) {
  return Type.Object(
    {
      document: DOCUMENTS[kind],
      signature: Type.Optional(Signature),
      organisationId: Type.Optional(Uuid),
      operatorId: Type.Optional(Uuid),
    },
    { additionalProperties: false, description: "organisationId / operatorId: STS staff registering an application received by official letter (UGEM p.7) name the applicant" },
  );
}

export const CanonicalRequest = Type.Object({ kind: ApplicationKindSchema, document: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false });
export const CanonicalResult = Type.Object({ canonical: Type.String(), sha256: Type.String(), bytes: Type.Integer() });

/** Data of each event, by event type. */
const Reason = Str(4000, 3);
export const EVENT_DATA: Record<string, TSchema> = {
  rejected: Type.Object({ reason: Reason }, { additionalProperties: false }),
  "information-requested": Type.Object({ request: Reason }, { additionalProperties: false }),
  "information-supplied": Type.Object({ note: Note }, { additionalProperties: false }),
  withdrawn: Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false }),
  "specifications-issued": Type.Object(
    {
      number: Str(100),
      objectName: Str(500),
      operatorName: Str(500),
      connectionPoint: Str(500),
      interface: Type.Optional(Str(200)),
      notes: Note,
    },
    { additionalProperties: false, description: "Appendix 2: technical specifications" },
  ),
  "specifications-renewed": Type.Object({ note: Note }, { additionalProperties: false }),
  "renewal-requested": Type.Object({ note: Note }, { additionalProperties: false }),
  "readiness-confirmed": Type.Object({ letterNumber: Type.Optional(Str(100)), note: Note }, { additionalProperties: false }),
  "non-compliance-reported": Type.Object({ findings: Reason }, { additionalProperties: false }),
  fixed: Type.Object({ note: Note }, { additionalProperties: false }),
  connected: Type.Object({ note: Note }, { additionalProperties: false }),
  disconnected: Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false }),
  "disconnection-requested": Type.Object({ reason: Reason, agreedDate: Type.Optional(CivilDate) }, { additionalProperties: false }),
  applied: Type.Object({ note: Note }, { additionalProperties: false }),
  approved: Type.Object({ expiresOn: CivilDate, note: Note }, { additionalProperties: false }),
  revoked: Type.Object({ reason: Reason }, { additionalProperties: false }),
  accepted: Type.Object({ note: Note }, { additionalProperties: false }),
  completed: Type.Object({ note: Note }, { additionalProperties: false }),
  acknowledged: Type.Object({ note: Note, organisationsInformed: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
  "severity-set": Type.Object({ severity: Type.Union(SEVERITIES.map((s) => Type.Literal(s))) }, { additionalProperties: false }),
  resolved: Type.Object({ summary: Reason }, { additionalProperties: false }),
  decided: Type.Object({ outcome: Type.Union([Type.Literal("granted"), Type.Literal("denied")]), reason: Reason, category: Type.Optional(Type.String({ pattern: "^[a-z0-9][a-z0-9-]{0,62}$" })) }, { additionalProperties: false }),
};

export const EventBody = Type.Object({ type: Type.String({ minLength: 1, maxLength: 60 }), data: Type.Optional(Type.Object({}, { additionalProperties: true })), expectedVersion: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });
export type EventBody = Static<typeof EventBody>;

export const DeadlineView = Type.Object({
  kind: Type.String(),
  paragraph: Type.String(),
  party: Type.String(),
  description: Type.String(),
  startDate: Type.String(),
  dueDate: Type.String(),
  expiresAt: Type.String(),
  remindAt: Type.Union([Type.String(), Type.Null()]),
  overdue: Type.Boolean(),
});

export const SignatureView = Type.Union([
  Type.Null(),
  Type.Object({ verified: Type.Boolean(), signerBin: Type.Union([Type.String(), Type.Null()]), signerIin: Type.Union([Type.String(), Type.Null()]), subject: Type.String(), issuer: Type.String(), serial: Type.String(), algorithm: Type.String(), signingTime: Type.Union([Type.String(), Type.Null()]), verifiedAt: Type.String() }),
]);

export const TaskView = Type.Object({ id: Uuid, applicationId: Uuid, title: Type.String(), state: Type.String(), createdAt: Instant, doneAt: Type.Union([Instant, Type.Null()]), doneBy: Type.Union([Type.String(), Type.Null()]) });

export const ApplicationView = Type.Object({
  id: Uuid,
  kind: Type.String(),
  number: Type.String(),
  state: Type.String(),
  final: Type.Boolean(),
  applicantType: Type.String(),
  organisationId: Type.Union([Uuid, Type.Null()]),
  operatorId: Type.Union([Uuid, Type.Null()]),
  submittedAt: Instant,
  updatedAt: Instant,
  version: Type.Integer(),
  document: Type.Unknown(),
  sealedFields: Type.Array(Type.String(), { description: "secrets stored sealed; never returned" }),
  signature: SignatureView,
  deadlines: Type.Array(DeadlineView),
  allowedEvents: Type.Array(Type.String(), { description: "events the caller may record now" }),
  tasks: Type.Array(TaskView),
});
export type ApplicationView = Static<typeof ApplicationView>;

export const ApplicationSummary = Type.Object({
  id: Uuid,
  kind: Type.String(),
  number: Type.String(),
  state: Type.String(),
  organisationId: Type.Union([Uuid, Type.Null()]),
  operatorId: Type.Union([Uuid, Type.Null()]),
  submittedAt: Instant,
  updatedAt: Instant,
  nextDeadline: Type.Union([DeadlineView, Type.Null()]),
});

export const ApplicationQuery = Type.Composite(
  [PageQuery, Type.Object({ kind: Type.Optional(ApplicationKindSchema), state: Type.Optional(Type.String({ maxLength: 40 })), organisationId: Type.Optional(Uuid), operatorId: Type.Optional(Uuid) })],
  { additionalProperties: false },
);
export type ApplicationQuery = Static<typeof ApplicationQuery>;

export const TimelineEntry = Type.Object({
  seq: Type.Integer(),
  type: Type.String(),
  at: Instant,
  actor: Type.Object({ kind: Type.String(), name: Type.String() }),
  paragraph: Type.Union([Type.String(), Type.Null()]),
  data: Type.Unknown(),
});
export const Timeline = Type.Object({ number: Type.String(), state: Type.String(), events: Type.Array(TimelineEntry), deadlines: Type.Array(DeadlineView) });

/** Attachments: small documents only (scans of official letters, diagrams); content type checked by magic bytes. */
export const ATTACHMENT_TYPES = ["application/pdf", "image/png", "image/jpeg", "text/plain"] as const;
export const ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024;
export const AttachmentUpload = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200, pattern: "^[^/\\\\\\u0000-\\u001f]+$" }), mediaType: Type.Union(ATTACHMENT_TYPES.map((t) => Type.Literal(t))), contentBase64: Type.String({ minLength: 1, maxLength: Math.ceil((ATTACHMENT_MAX_BYTES * 4) / 3) + 4 }) },
  { additionalProperties: false },
);
export const AttachmentView = Type.Object({ id: Uuid, name: Type.String(), mediaType: Type.String(), size: Type.Integer(), sha256: Type.String(), createdAt: Instant });

export const TrustAnchorCreate = Type.Object({ name: Str(200), kind: Type.Union([Type.Literal("root"), Type.Literal("intermediate")]), pem: Pem("CA certificate") }, { additionalProperties: false });
export const TrustAnchorView = Type.Object({ id: Uuid, name: Type.String(), kind: Type.String(), fingerprintSha256: Type.String(), subject: Type.String(), notAfter: Instant, createdAt: Instant, createdBy: Type.String() });

export const StatsView = Type.Object({
  from: Type.String(),
  to: Type.String(),
  byKind: Type.Array(Type.Object({ kind: Type.String(), state: Type.String(), count: Type.Integer() })),
  overdue: Type.Array(Type.Object({ kind: Type.String(), deadline: Type.String(), count: Type.Integer() })),
  recategorisation: Type.Object({ submitted: Type.Integer(), granted: Type.Integer(), denied: Type.Integer(), pending: Type.Integer(), decidedInTime: Type.Integer() }),
});

export const PublicRequestResult = Type.Object({ number: Type.String(), statusToken: Type.String({ description: "keep it: it is the only way to read the decision without an account" }), dueDate: Type.String() });
export const PublicRequestStatus = Type.Object({ number: Type.String(), state: Type.String(), host: Type.String(), submittedAt: Instant, decision: Type.Union([Type.Null(), Type.Object({ outcome: Type.String(), reason: Type.String(), at: Instant })]) });
