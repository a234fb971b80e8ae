/**
 * The workflows' process-wide collaborators: the sealer for secrets at rest, the STS and duty addresses for
 * notifications, the mail-gateway port and the EDS verifier. The all-in-one configures them at start
 * (`startWorkflows`); the API routes and the scheduler's handlers read them here.
 *
 * Without a configured sealer nothing secret can be stored: an application carrying a private key or
 * credentials is refused with QQ_ERR_NOT_READY rather than stored in the clear.
 */
import type { Sealer } from "../secrets/sealer.js";
import { Problem } from "../contract/problem.js";
import { createEdsVerifier, type EdsVerifier } from "./eds/index.js";
import { memoryMailSystems, type MailSystemsPort } from "./ports.js";

export interface WorkflowRuntime {
  sealer: Sealer | null;
  /** the STS address staff notifications and escalations go to */
  stsAddress: string;
  /** the duty service (p.14): incidents */
  dutyAddress: string;
  mailSystems: MailSystemsPort;
  eds: EdsVerifier;
}

let runtime: WorkflowRuntime | undefined;

function defaults(): WorkflowRuntime {
  return { sealer: null, stsAddress: "support@sts.kz", dutyAddress: "support@sts.kz", mailSystems: memoryMailSystems(), eds: createEdsVerifier() };
}

export function configureWorkflows(patch: Partial<WorkflowRuntime>): WorkflowRuntime {
  runtime = { ...(runtime ?? defaults()), ...patch };
  return runtime;
}

export function workflowRuntime(): WorkflowRuntime {
  return (runtime ??= defaults());
}

export function requireSealer(): Sealer {
  const s = workflowRuntime().sealer;
  if (!s) throw new Problem("QQ_ERR_NOT_READY", "secret sealing is not configured; applications with keys or credentials cannot be stored");
  return s;
}
