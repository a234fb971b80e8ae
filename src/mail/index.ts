/**
 * The unified e-mail gateway (UGEM) — public surface for the CLI (`qaqpa doctor`, the all-in-one start),
 * the API routes and the store adapters. Postfix is the queue; this module is its control plane:
 *
 *   postfix/render.ts      the store's mail systems → main.cf, master.cf, relay_domains, transport, clients
 *   postfix/instance.ts    a private Postfix instance (postfix -c <dir>), checkPostfix() for doctor
 *   postfix/queue.ts       postqueue -j / postsuper -h -H -d / postqueue -i
 *   policy/server.ts       the check_policy_service peer; suspend / release / deleteHeld (UGEM Rules p.12)
 *   policy/engine.ts       request → hooks (policy/hooks/index.ts) → verdict + commands, sans-IO
 *   policy/detector.ts     abnormal activity per mail system
 *   log/                   Postfix's maillog_file → delivery outcomes per system
 *   auth/                  DKIM keys and records; mailauth verification/signing; the authentication filter
 *
 * See docs/mail.md.
 */
export type { Audit, AuditEntity, MailSuspension, MailSystem, MailSystemDirectory, Outbox, SuspensionChange } from "./ports.js";
export { MemoryAudit, MemoryMailSystemDirectory, MemoryOutbox, MemoryQueue } from "./memory.js";
export { AnomalyDetector, DEFAULT_DETECTOR_LIMITS } from "./policy/detector.js";
export type { AnomalyCode, AnomalyReason, Assessment, DetectorLimits, SystemStats } from "./policy/detector.js";
export { PolicyEngine } from "./policy/engine.js";
export type { Decision, PolicyCommand } from "./policy/engine.js";
export { HOOKS, OPTIONAL_HOOKS, hookStates } from "./policy/hooks/index.js";
export type { Hook, PolicyFlow } from "./policy/hooks/index.js";
export { MailPolicyService, MailSystemNotFoundError, MailSystemNotSuspendedError } from "./policy/server.js";
export type { Actor, DeleteHeldReport, MailPolicyServiceOptions, MailSystemState, ReleaseReport, SuspensionReport } from "./policy/server.js";
export { compileMailSnapshot, MailConfigError } from "./policy/snapshot.js";
export type { MailPolicySnapshot, MailSystemView } from "./policy/snapshot.js";
export { FAILSAFE_ACTION, toAccessAction, Verdicts } from "./policy/verdict.js";
export type { Action, ReasonCode, Verdict } from "./policy/verdict.js";
export { checkPostfix, PostfixInstance } from "./postfix/instance.js";
export type { InstanceRenderOptions, PostfixCheck } from "./postfix/instance.js";
export { PostfixQueue } from "./postfix/queue.js";
export type { QueueControl, QueuedMessage } from "./postfix/queue.js";
export { DEFAULT_RATE_LIMITS, renderPostfix, RenderError } from "./postfix/render.js";
export type { RenderedPostfix, RenderOptions } from "./postfix/render.js";
export { DeliveryCorrelator, parseLogLine } from "./log/delivery-log.js";
export type { DeliveryOutcome, LogEvent } from "./log/delivery-log.js";
export { followLog } from "./log/tail.js";
export { generateDkimKey, dkimRecordFor, spfRecord } from "./auth/dkim-keys.js";
export type { DkimKey } from "./auth/dkim-keys.js";
export type { InboundAuthResults, InboundVerifier, OutboundSigner } from "./auth/types.js";
export { createInboundVerifier, createOutboundSigner, headerFromDomain, stripOwnAuthResults } from "./auth/mailauth.js";
export type { DNSResolver, SigningKey } from "./auth/mailauth.js";
export { AuthFilter, classifyBySnapshot } from "./auth/filter.js";
export type { AuthFilterOptions, InboundAuthRecord } from "./auth/filter.js";
