/**
 * The curated seed: protected destinations of p.20 and the baseline-blocked lists, shipped with qaqpa
 * and always compiled into the category database. The protected part is the floor of p.20: overrides
 * cannot remove it (see overrides.ts) and a gateway refuses a database that lacks it (database.ts).
 */
import type { CuratedEntry } from "../entry.js";
import { DOH, MALWARE_TESTS, PHISHING_TESTS, PROXY_ANONYMIZER, REMOTE_ACCESS, VPN } from "./baseline.js";
import { FINANCE_BANKING } from "./finance-banking.js";
import { GOVERNMENT_LEGAL } from "./government-legal.js";
import { HEALTH_WELLNESS } from "./health-wellness.js";
import { OS_UPDATES } from "./os-updates.js";
import { PERSONAL_PRIVACY } from "./personal-privacy.js";
import { SECURITY_UPDATES } from "./security-updates.js";
import { VIDEO_CONFERENCING } from "./video-conferencing.js";

export { SEED_VERSION } from "./curated.js";

export const PROTECTED_SEED: readonly CuratedEntry[] = Object.freeze([
  ...FINANCE_BANKING,
  ...GOVERNMENT_LEGAL,
  ...HEALTH_WELLNESS,
  ...PERSONAL_PRIVACY,
  ...VIDEO_CONFERENCING,
  ...SECURITY_UPDATES,
  ...OS_UPDATES,
]);

export const BASELINE_SEED: readonly CuratedEntry[] = Object.freeze([
  ...VPN,
  ...REMOTE_ACCESS,
  ...DOH,
  ...PROXY_ANONYMIZER,
  ...MALWARE_TESTS,
  ...PHISHING_TESTS,
]);

export const CURATED_SEED: readonly CuratedEntry[] = Object.freeze([...PROTECTED_SEED, ...BASELINE_SEED]);
