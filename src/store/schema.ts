/**
 * Kysely table types. Column names are snake_case as in SQL; the repositories map them to the contract's
 * camelCase objects, so a concept keeps one name (organisation, telecom_operator, catalogue_prefix…).
 */
import type { ColumnType, Generated } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface OrganisationTable {
  id: Generated<string>;
  bin: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
  class: string;
  contacts: Json<unknown[]>;
  status: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface TelecomOperatorTable {
  id: Generated<string>;
  bin: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
  asns: ColumnType<number[], number[], number[]>;
  notification_emails: ColumnType<string[], string[], string[]>;
  contacts: Json<unknown[]>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ContractTable {
  id: Generated<string>;
  organisation_id: string;
  operator_id: string;
  number: string;
  signed_on: ColumnType<string | null, string | null | undefined, string | null>;
  valid_from: ColumnType<string, string, string>;
  valid_to: ColumnType<string | null, string | null | undefined, string | null>;
  status: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CataloguePrefixTable {
  id: Generated<string>;
  prefix: string;
  organisation_id: string;
  operator_id: string;
  contract_id: string | null;
  note: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface AccountTable {
  id: Generated<string>;
  username: string;
  display_name: string;
  email: string | null;
  password_hash: string | null;
  role: string;
  operator_id: string | null;
  organisation_id: string | null;
  disabled: Generated<boolean>;
  must_change_password: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SessionTable {
  id: string;
  account_id: string;
  csrf_token: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
}

export interface ApiTokenTable {
  id: Generated<string>;
  account_id: string;
  name: string;
  token_hash: string;
  created_at: Generated<Date>;
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface AuditEntryTable {
  seq: ColumnType<number, number, never>;
  at: Timestamp;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  actor_id: string;
  body: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: ColumnType<number, number, number>;
  hash: string;
}

export interface OutboxMessageTable {
  id: Generated<string>;
  channel: string;
  recipients: ColumnType<string[], string[], string[]>;
  subject: string;
  body_text: string;
  status: Generated<string>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  dedupe_key: string | null;
  related: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
  sent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface CalendarDayTable {
  date: ColumnType<string, string, string>;
  kind: string;
  name: string | null;
  source: string | null;
  updated_at: Generated<Date>;
  updated_by: string;
}

export interface CalendarYearTable {
  year: number;
  data: Json<unknown>;
  updated_at: Generated<Date>;
  updated_by: string;
}

export interface CategorySourceTable {
  name: string;
  licence: string;
  fetched: ColumnType<string, string, string>;
  version: string;
  format: string;
  entry_count: number;
  entries: Buffer;
  sha256: string;
  imported_by: string;
  imported_at: Generated<Date>;
}

export interface CategoryOverrideTable {
  id: Generated<string>;
  pattern: string;
  category: string;
  action: string;
  reason: string;
  decided_by: string;
  created_at: Generated<Date>;
}

/** STS decisions on pinned-application candidates (migration 0011). */
export interface PinnedApplicationTable {
  host: string;
  status: "approved" | "rejected";
  reason: string;
  decided_by: string;
  decided_at: Generated<Date>;
}

export interface DecisionLogTable {
  id: Generated<number>;
  at: Timestamp;
  ref: string;
  kind: string;
  organisation_id: string | null;
  unknown_source: boolean;
  source: string;
  host: string | null;
  path: string | null;
  port: number;
  protocol: string;
  categories: ColumnType<string[], string[], string[]>;
  action: string;
  reason: string;
  tls: string | null;
  status: number | null;
  bytes_up: number;
  bytes_down: number;
  duration_ms: number;
  ja4: string | null;
  snapshot_id: string;
}

/** A node batch the control plane committed (multi-node mode): the idempotency key of its redelivery. */
export interface BusBatchTable {
  id: string;
  node: string;
  records: number;
  committed_at: Generated<Timestamp>;
}

/** An enrolled gateway node (migration 0051): its credentials sealed, never selected for a view. */
export interface GatewayNodeTable {
  id: string;
  state: string;
  sealed_credential: string;
  generation: ColumnType<number, number | undefined, number>;
  sealed_previous_credential: string | null;
  previous_valid_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
  rotated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  version: ColumnType<number, number | undefined, number>;
}

export interface SchemaMigrationTable {
  version: number;
  name: string;
  applied_at: Generated<Date>;
}

export interface Database {
  organisation: OrganisationTable;
  telecom_operator: TelecomOperatorTable;
  contract: ContractTable;
  catalogue_prefix: CataloguePrefixTable;
  account: AccountTable;
  session: SessionTable;
  api_token: ApiTokenTable;
  audit_entry: AuditEntryTable;
  audit_head: AuditHeadTable;
  outbox_message: OutboxMessageTable;
  calendar_day: CalendarDayTable;
  calendar_year: CalendarYearTable;
  category_source: CategorySourceTable;
  category_override: CategoryOverrideTable;
  decision_log: DecisionLogTable;
  bus_batch: BusBatchTable;
  gateway_node: GatewayNodeTable;
  pinned_application: PinnedApplicationTable;
  schema_migration: SchemaMigrationTable;
}

// ── Workflows (application processing system, migration 0020) ─────────────────────────────────────────────

type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;

export interface ApplicationTable {
  id: Generated<string>;
  kind: string;
  number: string;
  applicant_type: string;
  organisation_id: string | null;
  operator_id: string | null;
  state: string;
  payload: Json<Record<string, unknown>>;
  /** field path → sealed value (secrets at rest: TLS keys, web-root credentials) */
  sealed: Json<Record<string, string>>;
  signature: string | null;
  signature_result: Nullable<unknown>;
  external_ref: string | null;
  public_token_hash: string | null;
  submitted_by: string;
  submitted_at: Timestamp;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export interface ApplicationEventTable {
  application_id: string;
  seq: number;
  type: string;
  actor: Json<Record<string, unknown>>;
  at: Timestamp;
  data: Json<Record<string, unknown>>;
}

export interface ApplicationAttachmentTable {
  id: Generated<string>;
  application_id: string;
  name: string;
  media_type: string;
  size: number;
  sha256: string;
  content: Buffer;
  created_at: Generated<Date>;
  created_by: string;
}

export interface WorkflowTaskTable {
  id: Generated<string>;
  application_id: string;
  key: string;
  title: string;
  state: Generated<string>;
  created_at: Generated<Date>;
  done_at: Nullable<Date | string>;
  done_by: string | null;
}

export interface JobTable {
  id: Generated<string>;
  key: string;
  kind: string;
  application_id: string | null;
  run_at: Timestamp;
  payload: Json<Record<string, unknown>>;
  status: Generated<string>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  lease_until: Nullable<Date | string>;
  locked_by: string | null;
  last_error: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  done_at: Nullable<Date | string>;
}

export interface AccessPolicyTable {
  id: Generated<string>;
  organisation_id: string;
  application_id: string;
  categories: ColumnType<string[], string[], string[]>;
  networks: ColumnType<string[], string[], string[]>;
  valid_from: ColumnType<string, string, string>;
  valid_to: ColumnType<string, string, string>;
  status: Generated<string>;
  created_at: Generated<Date>;
  ended_at: Nullable<Date | string>;
}

export interface PolicyExceptionTable {
  id: Generated<string>;
  organisation_id: string;
  application_id: string;
  services: Json<unknown[]>;
  destinations: ColumnType<string[], string[], string[]>;
  networks: ColumnType<string[], string[], string[]>;
  expires_on: ColumnType<string, string, string>;
  status: Generated<string>;
  created_at: Generated<Date>;
  ended_at: Nullable<Date | string>;
}

export interface UnknownSourceTable {
  address: string;
  first_seen: Timestamp;
  last_seen: Timestamp;
  hits: ColumnType<number, number | undefined, number>;
  operator_id: string | null;
  state: Generated<string>;
  notified_at: Nullable<Date | string>;
  block_due: Nullable<string>;
  blocked_at: Nullable<Date | string>;
  resolved_at: Nullable<Date | string>;
}

export interface EdsTrustAnchorTable {
  id: Generated<string>;
  name: string;
  kind: string;
  pem: string;
  fingerprint_sha256: string;
  subject: string;
  not_after: Timestamp;
  created_at: Generated<Date>;
  created_by: string;
}

// Declaration merging adds the workflow tables to `Database` without editing the block above.
export interface Database {
  application: ApplicationTable;
  application_event: ApplicationEventTable;
  application_attachment: ApplicationAttachmentTable;
  workflow_task: WorkflowTaskTable;
  job: JobTable;
  access_policy: AccessPolicyTable;
  policy_exception: PolicyExceptionTable;
  unknown_source: UnknownSourceTable;
  eds_trust_anchor: EdsTrustAnchorTable;
}

// ── Gateway CA (Rules p.21–23, migration 0040) ───────────────────────────────────────────────────────────────

export interface CaCertificateTable {
  id: string;
  kind: string;
  parent_id: string | null;
  der: Buffer;
  /** sealed private key; selected only to open an issuer, never for a view */
  sealed_key: string;
  key_algorithm: string;
  subject: string;
  serial_hex: string;
  sha256: string;
  sha1: string;
  not_before: Timestamp;
  not_after: Timestamp;
  excluded_dns: ColumnType<string[], string[], string[]>;
  state: string;
  generated_at: Timestamp;
  published_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  activated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  retiring_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revocation_reason: string | null;
  version: ColumnType<number, number | undefined, number>;
  seq: ColumnType<number, never, never>;
  created_at: Generated<Date>;
}

export interface CaCertificateHistoryTable {
  certificate_id: string;
  version: number;
  state: string;
  lifecycle: Json<Record<string, unknown>>;
  recorded_at: Generated<Date>;
}

export interface CaLeafKeysTable {
  epoch_seconds: number;
  epoch: number;
  sealed_ecdsa: string;
  sealed_rsa: string;
  created_at: Timestamp;
}

export interface CaRotationStepTable {
  id: Generated<string>;
  rotation_id: string;
  certificate_id: string;
  ordinal: number;
  event: Json<Record<string, unknown>>;
  due_at: Timestamp;
  status: Generated<string>;
  applied_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_error: string | null;
  created_at: Generated<Date>;
}

export interface Database {
  ca_certificate: CaCertificateTable;
  ca_certificate_history: CaCertificateHistoryTable;
  ca_leaf_keys: CaLeafKeysTable;
  ca_rotation_step: CaRotationStepTable;
}

// ── Mail gateway (migration 30) ───────────────────────────────────────────────────────────────────────

type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface MailSystemTable {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  owner: string;
  owner_email: string;
  server_addresses: ColumnType<string[], string[], string[]>;
  inbound_host: string;
  inbound_port: number;
  status: string;
  limits: ColumnType<Record<string, number>, string | undefined, string>;
  connected_at: Timestamp;
  disconnected_at: NullableTimestamp;
  disconnect_reason: string | null;
  updated_at: Generated<Date>;
}

export interface MailDomainTable {
  id: Generated<string>;
  mail_system_id: string;
  application_id: string;
  domain: string;
  dkim_selector: string;
  dkim_sealed_key: string;
  dkim_public_key: string;
  connected_at: Timestamp;
  disconnected_at: NullableTimestamp;
}

export interface MailSuspensionTable {
  id: Generated<string>;
  mail_system_id: string;
  since: Timestamp;
  reasons: ColumnType<unknown[], string | undefined, string>;
  suspended_by: string;
  note: string | null;
  counters: ColumnType<Record<string, unknown>, string | undefined, string>;
  held_queue_ids: ColumnType<string[], string[] | undefined, string[]>;
  released_at: NullableTimestamp;
  released_by: string | null;
  released_count: number | null;
  deleted_at: NullableTimestamp;
  deleted_by: string | null;
  deleted_count: number | null;
}

export interface MailDeliveryStatTable {
  mail_system_id: string;
  hour: Timestamp;
  sent: Generated<number>;
  deferred: Generated<number>;
  bounced: Generated<number>;
  other: Generated<number>;
}

export interface MailAuthResultTable {
  id: Generated<string>;
  received_at: Timestamp;
  mail_system_id: string | null;
  client_address: string;
  helo: string | null;
  mail_from: string | null;
  header_from_domain: string | null;
  message_id: string | null;
  spf: string;
  dkim: string;
  dkim_domains: ColumnType<string[], string[] | undefined, string[]>;
  dmarc: string;
  dmarc_policy: string | null;
}

export interface Database {
  mail_system: MailSystemTable;
  mail_domain: MailDomainTable;
  mail_suspension: MailSuspensionTable;
  mail_delivery_stat: MailDeliveryStatTable;
  mail_auth_result: MailAuthResultTable;
}
