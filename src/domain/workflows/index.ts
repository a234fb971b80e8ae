/**
 * The application processing system's workflows (p.3(8)), one definition per application kind, and the
 * pure engine that runs them. Nothing here does I/O; src/services/applications.ts and src/workflows/ are the
 * adapters (store, outbox, scheduler).
 */
import type { ApplicationKind, WorkflowDefinition } from "./types.js";
import { channelConnection } from "./channel-connection.js";
import { accessPolicy } from "./access-policy.js";
import { exception } from "./exception.js";
import { wafConnection } from "./waf-connection.js";
import { defacementProtection } from "./defacement-protection.js";
import { resourceChange } from "./resource-change.js";
import { incident } from "./incident.js";
import { mailGatewayConnection } from "./mail-gateway-connection.js";
import { rootDistribution } from "./root-distribution.js";
import { recategorisation } from "./recategorisation.js";

export * from "./types.js";
export * from "./engine.js";
export { resubmissionAllowedFrom } from "./common.js";

export const WORKFLOWS: Record<ApplicationKind, WorkflowDefinition> = {
  "channel-connection": channelConnection,
  "access-policy": accessPolicy,
  exception,
  "waf-connection": wafConnection,
  "defacement-protection": defacementProtection,
  "resource-change": resourceChange,
  incident,
  "mail-gateway-connection": mailGatewayConnection,
  "root-distribution": rootDistribution,
  recategorisation,
};

/** Short prefixes of application numbers (`WAF-2026-000012`). */
export const NUMBER_PREFIX: Record<ApplicationKind, string> = {
  "channel-connection": "CH",
  "access-policy": "AP",
  exception: "EX",
  "waf-connection": "WAF",
  "defacement-protection": "DEF",
  "resource-change": "RC",
  incident: "INC",
  "mail-gateway-connection": "MG",
  "root-distribution": "ROOT",
  recategorisation: "RQ",
};
