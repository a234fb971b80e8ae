/** The mail gateway (UGEM) as the API shows it: connected mail systems, suspensions (p.12), DKIM records, stats. */
import { Type } from "@sinclair/typebox";
import { Instant, PageQuery, Uuid } from "./common.js";

export const MailSystemStatus = Type.Union([Type.Literal("active"), Type.Literal("suspended"), Type.Literal("disconnected")]);

export const AnomalyReasonView = Type.Object({ code: Type.String(), observed: Type.Number(), limit: Type.Number() });

export const MailSuspensionView = Type.Object({
  id: Uuid,
  mailSystemId: Uuid,
  mailSystemName: Type.String(),
  organisationId: Uuid,
  since: Instant,
  reasons: Type.Array(AnomalyReasonView),
  /** "detector" or the account that suspended */
  suspendedBy: Type.String(),
  note: Type.Union([Type.String(), Type.Null()]),
  /** the detector's counters when it was suspended */
  counters: Type.Record(Type.String(), Type.Unknown()),
  heldQueueIds: Type.Array(Type.String()),
  releasedAt: Type.Union([Instant, Type.Null()]),
  releasedBy: Type.Union([Type.String(), Type.Null()]),
  releasedCount: Type.Union([Type.Integer(), Type.Null()]),
  deletedAt: Type.Union([Instant, Type.Null()]),
  deletedBy: Type.Union([Type.String(), Type.Null()]),
  deletedCount: Type.Union([Type.Integer(), Type.Null()]),
});

export const MailDomainView = Type.Object({
  domain: Type.String(),
  applicationId: Uuid,
  applicationNumber: Type.String(),
  /** the application's state: `disconnection-pending` while STS agrees the date with the organisation (UGEM p.11) */
  applicationState: Type.String(),
  dkimSelector: Type.String(),
  connectedAt: Instant,
});

export const MailSystemView = Type.Object({
  id: Uuid,
  organisationId: Uuid,
  name: Type.String(),
  owner: Type.String(),
  ownerEmail: Type.String(),
  status: MailSystemStatus,
  domains: Type.Array(MailDomainView),
  serverAddresses: Type.Array(Type.String()),
  inbound: Type.Object({ host: Type.String(), port: Type.Integer() }),
  limits: Type.Record(Type.String(), Type.Number()),
  connectedAt: Instant,
  disconnectedAt: Type.Union([Instant, Type.Null()]),
  disconnectReason: Type.Union([Type.String(), Type.Null()]),
  /** a domain of the system is waiting for its agreed disconnection date (UGEM p.11) */
  disconnectionPending: Type.Boolean(),
  suspension: Type.Union([MailSuspensionView, Type.Null()]),
});

export const MailSystemQuery = Type.Composite([PageQuery, Type.Object({ status: Type.Optional(MailSystemStatus) })], { additionalProperties: false });

export const MailSuspensionQuery = Type.Composite(
  [PageQuery, Type.Object({ mailSystemId: Type.Optional(Uuid), open: Type.Optional(Type.Boolean({ description: "only suspensions not yet released" })) })],
  { additionalProperties: false },
);

export const DkimRecordView = Type.Object({
  domain: Type.String(),
  selector: Type.String(),
  /** owner name of the TXT record, without the trailing dot */
  dnsName: Type.String(),
  txtValue: Type.String(),
  /** the value split into ≤ 255-byte character-strings */
  txtStrings: Type.Array(Type.String()),
  zoneRecord: Type.String(),
});

export const DkimRecords = Type.Object({ mailSystemId: Uuid, records: Type.Array(DkimRecordView) });

export const MailHourStat = Type.Object({ hour: Instant, sent: Type.Integer(), deferred: Type.Integer(), bounced: Type.Integer(), other: Type.Integer() });

export const MailSystemStats = Type.Object({
  mailSystemId: Uuid,
  /** delivery outcomes per hour, from the Postfix log, newest first */
  hours: Type.Array(MailHourStat),
  totals: Type.Object({ sent: Type.Integer(), deferred: Type.Integer(), bounced: Type.Integer(), other: Type.Integer() }),
  /** the policy service's view on this node; null when the mail gateway does not run here */
  live: Type.Union([
    Type.Null(),
    Type.Object({
      suspended: Type.Boolean(),
      /** messages of this system in Postfix's queue: accepted and not yet delivered, plus those on hold */
      queued: Type.Integer(),
      held: Type.Integer(),
      messagesLastMinute: Type.Number(),
      messagesLastHour: Type.Number(),
      recipientsLastHour: Type.Number(),
      baselinePerMinute: Type.Number(),
      deliveriesLastHour: Type.Object({ sent: Type.Number(), deferred: Type.Number(), bounced: Type.Number() }),
    }),
  ]),
});

export const MailStatsQuery = Type.Object({ hours: Type.Integer({ minimum: 1, maximum: 24 * 31, default: 48 }) }, { additionalProperties: false });

export const MailSuspendBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false });

export const MailActionResult = Type.Object({
  mailSystem: MailSystemView,
  /** queue ids moved by the action: held, released to delivery, or deleted */
  queueIds: Type.Array(Type.String()),
});

/** SPF / DKIM / DMARC results of one inbound message (metadata only). */
export const MailAuthResultView = Type.Object({
  id: Uuid,
  receivedAt: Instant,
  clientAddress: Type.String(),
  helo: Type.Union([Type.String(), Type.Null()]),
  mailFrom: Type.Union([Type.String(), Type.Null()]),
  headerFromDomain: Type.Union([Type.String(), Type.Null()]),
  messageId: Type.Union([Type.String(), Type.Null()]),
  spf: Type.String(),
  dkim: Type.String(),
  dkimDomains: Type.Array(Type.String()),
  dmarc: Type.String(),
  dmarcPolicy: Type.Union([Type.String(), Type.Null()]),
});

export const MailAuthResultQuery = Type.Composite(
  [PageQuery, Type.Object({ dmarc: Type.Optional(Type.Union(["pass", "fail", "none", "temperror", "permerror"].map((v) => Type.Literal(v)), { description: "only messages with this DMARC result" })) })],
  { additionalProperties: false },
);
