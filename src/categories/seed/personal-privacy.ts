/**
 * p.20(4) "personal privacy": where a person's credentials and keys travel — electronic digital
 * signature (EDS) services, password managers, and account sign-in endpoints. Sign-in is listed by host
 * (`accounts.google.com`), never by the vendor's whole zone.
 */
import { curated } from "./curated.js";

export const PERSONAL_PRIVACY = curated("personal-privacy", "2026-11-26", [
  ["pki.gov.kz", "National Certification Authority of Kazakhstan: EDS keys, certificates, NCALayer"],
  ["sigex.kz", "SIGEX electronic digital signature service (signing and verification with NCA keys)"],
  ["bitwarden.com", "Bitwarden password manager vault"],
  ["bitwarden.eu", "Bitwarden password manager vault (EU region)"],
  ["1password.com", "1Password password manager vault"],
  ["1password.eu", "1Password password manager vault (EU region)"],
  ["lastpass.com", "LastPass password manager vault"],
  ["keepersecurity.com", "Keeper password manager vault"],
  ["dashlane.com", "Dashlane password manager vault"],
  ["accounts.google.com", "Google account sign-in (passwords, second factors)"],
  ["login.microsoftonline.com", "Microsoft Entra ID sign-in (passwords, second factors)"],
  ["login.live.com", "Microsoft account sign-in"],
  ["appleid.apple.com", "Apple Account management and sign-in"],
  ["idmsa.apple.com", "Apple Account authentication service"],
]);
