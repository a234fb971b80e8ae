/**
 * Organisation classes. p.2 and p.3(7) of the UGIA Rules (and UGEM p.2) name the organisations that must reach
 * the Internet through the gateway; p.2's second part names those that may connect without it "for
 * operational purposes". Both are recorded so that the catalogue can say why an address is or is not served.
 */
export const SERVED_CLASSES = [
  "state_body",
  "local_government_body",
  "state_legal_entity",
  "quasi_public_entity",
  "critical_infrastructure_owner",
] as const;

/** p.2 second part: may organise Internet connections without the UGIA. */
export const EXEMPT_CLASSES = ["special_state_body", "law_enforcement_body", "national_bank"] as const;

export const ORGANISATION_CLASSES = [...SERVED_CLASSES, ...EXEMPT_CLASSES] as const;
export type OrganisationClass = (typeof ORGANISATION_CLASSES)[number];

export function isExemptClass(c: OrganisationClass): boolean {
  return (EXEMPT_CLASSES as readonly string[]).includes(c);
}

/** UGEM p.8, p.11: only the served classes are eligible for the mail gateway. */
export function isMailGatewayEligible(c: OrganisationClass): boolean {
  return (SERVED_CLASSES as readonly string[]).includes(c);
}
