/**
 * p.20(2) "government and legal organizations". Whole zones only where registration is restricted to
 * state bodies, so that nobody can buy a name under them; elsewhere the organisation's own domain.
 */
import { curated } from "./curated.js";

export const GOVERNMENT_LEGAL = curated("government-legal", "2026-11-26", [
  ["gov.kz", "Second-level zone reserved for state bodies of the Republic of Kazakhstan (registration restricted): ministries, akimats, gov.kz portal"],
  ["kgd.gov.kz", "State Revenue Committee; inside gov.kz, listed so the intent survives a change to the zone entry"],
  ["egov.kz", "Electronic government portal (eGov) and its identity provider"],
  ["elicense.kz", "State e-licensing portal (licences and permits)"],
  ["eotinish.kz", "eOtinish: appeals of citizens and organisations to state bodies"],
  ["gov4c.kz", "Government for Citizens state corporation (public service centres)"],
  ["nitec.kz", "National Information Technologies JSC, operator of the e-government infrastructure"],
  ["zan.kz", "Institute of Legislation and Legal Information: the Adilet legal database (adilet.zan.kz)"],
  ["akorda.kz", "Official site of the President of the Republic of Kazakhstan"],
  ["primeminister.kz", "Official site of the Prime Minister of the Republic of Kazakhstan"],
  ["parlam.kz", "Parliament of the Republic of Kazakhstan"],
  ["sud.kz", "Courts of the Republic of Kazakhstan: judicial cabinet and case search"],
  ["salyk.kz", "State Revenue Committee taxpayer cabinet (cabinet.salyk.kz)"],
  ["enbek.kz", "Electronic labour exchange of the Ministry of Labour and Social Protection"],
  ["kazpatent.kz", "National Institute of Intellectual Property (patents and trademarks)"],
  ["gov", "United States .gov top-level domain; registration restricted to US government bodies"],
  ["gov.uk", "United Kingdom government zone; registration restricted to public bodies"],
  ["gov.ru", "Russian Federation government zone; registration restricted to state bodies"],
  ["europa.eu", "Institutions and agencies of the European Union"],
  ["un.org", "United Nations"],
]);
