/**
 * The frame of every authenticated page: a skip link, the header (product, language, account), the
 * navigation — only the areas the role can use, from the permission table the API enforces — and the
 * main region.
 */
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import type { Permission } from "../../src/domain/authz.js";
import { LANGUAGES, currentLanguage, setLanguage, type Language } from "./i18n/index.js";
import { useAccount, useSession, can } from "./session.js";
import { Link } from "./components/link.js";
import { useLocation } from "./router.js";

type Translate = TFunction;

export interface NavItem {
  to: string;
  label: (t: Translate) => string;
  permission: Permission | null;
}

export const NAV: NavItem[] = [
  { to: "/", label: (t) => t("nav.dashboard"), permission: null },
  { to: "/organisations", label: (t) => t("nav.organisations"), permission: "organisation.read" },
  { to: "/operators", label: (t) => t("nav.operators"), permission: "operator.read" },
  { to: "/contracts", label: (t) => t("nav.contracts"), permission: "contract.read" },
  { to: "/catalogue", label: (t) => t("nav.catalogue"), permission: "catalogue.read" },
  { to: "/accounts", label: (t) => t("nav.accounts"), permission: "account.read" },
  { to: "/audit", label: (t) => t("nav.audit"), permission: "audit.read" },
  { to: "/calendar", label: (t) => t("nav.calendar"), permission: "calendar.read" },
  { to: "/notifications", label: (t) => t("nav.notifications"), permission: "notification.read" },
  { to: "/gateway/what-if", label: (t) => t("nav.whatIf"), permission: "gateway.what-if" },
  { to: "/gateway/pinned", label: (t) => t("pinned.nav"), permission: "gateway.pinned.read" },
  { to: "/gateway/nodes", label: (t) => t("gatewayNodes.nav"), permission: "gateway-node.read" },
  { to: "/categories", label: (t) => t("nav.categories"), permission: "category.read" },
  { to: "/ca", label: (t) => t("nav.ca"), permission: "ca.read" },
  { to: "/mail", label: (t) => t("mail.nav"), permission: "mail.read" },
  { to: "/transparency", label: (t) => t("nav.transparency"), permission: "report.read" },
  { to: "/applications", label: (t) => t("nav.applications"), permission: "application.read" },
  { to: "/incidents", label: (t) => t("nav.incidents"), permission: "incident.read" },
  { to: "/unknown-sources", label: (t) => t("nav.unknownSources"), permission: "unknown-source.read" },
  { to: "/tasks", label: (t) => t("nav.tasks"), permission: "task.read" },
  { to: "/policies", label: (t) => t("nav.policies"), permission: "policy.read" },
  { to: "/guides/root-certificate", label: (t) => t("nav.rootGuide"), permission: "ca.read" },
];

const LANGUAGE_NAMES: Record<Language, string> = { kk: "Қазақша", ru: "Русский", en: "English" };

export function LanguageSwitch() {
  const { t } = useTranslation();
  const cur = currentLanguage();
  return (
    <div className="lang-switch" role="group" aria-label={t("header.language")}>
      {LANGUAGES.map((l) => (
        <button key={l} type="button" lang={l} className="btn btn-ghost" aria-pressed={l === cur} onClick={() => void setLanguage(l)}>
          {LANGUAGE_NAMES[l]}
        </button>
      ))}
    </div>
  );
}

export function Shell({ children, navigation = true }: { children: ReactNode; navigation?: boolean }) {
  const { t } = useTranslation();
  const account = useAccount();
  const session = useSession();
  const { path } = useLocation();
  const active = (to: string) => (to === "/" ? path === "/" : path === to || path.startsWith(`${to}/`));
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t("header.skip")}
      </a>
      <header className="top">
        <div className="brand">
          <span className="brand-name">qaqpa</span>
          <span className="brand-tagline">{t("app.tagline")}</span>
        </div>
        <LanguageSwitch />
        <div className="account">
          <span className="account-name">
            {account.displayName}
            <span className="account-role">{t(`role.${account.role}`)}</span>
          </span>
          <Link to="/password" className="btn btn-ghost">
            {t("header.password")}
          </Link>
          <button type="button" className="btn btn-ghost" onClick={() => void session.logout()}>
            {t("header.logout")}
          </button>
        </div>
      </header>
      {navigation && (
        <nav className="side" aria-label={t("nav.label")}>
          <ul>
            {NAV.filter((n) => n.permission === null || can(account.role, n.permission)).map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={active(n.to) ? "page" : undefined}>
                  {n.label(t)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" tabIndex={-1} className={navigation ? "content" : "content content-full"}>
        {children}
      </main>
    </div>
  );
}
