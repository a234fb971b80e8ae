/**
 * The first screen: counts the control plane can give today, and clearly marked places for the figures
 * other subsystems will provide (applications and their deadlines, incidents, unknown source addresses,
 * CA expiry, gateway traffic). No number is shown that the API did not return.
 */
import { useTranslation } from "react-i18next";
import { organisations, operators, catalogue, audit } from "../../api/resources.js";
import { useLoad } from "../../hooks.js";
import { useAccount, useCan } from "../../session.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { formatNumber } from "../../i18n/format.js";
import { problemText } from "../../components/states.js";

function Count({ label, to, load }: { label: string; to: string; load: (s: AbortSignal) => Promise<{ total: number }> }) {
  const { t } = useTranslation();
  const r = useLoad(load, []);
  return (
    <li className="card">
      <h2 className="card-title">{label}</h2>
      <p className="card-value" aria-live="polite">
        {r.loading ? <span className="muted">{t("common.loading")}</span> : r.error ? <span className="error">{problemText(t, r.error).title}</span> : formatNumber(r.data!.total)}
      </p>
      <Link to={to}>{t("dashboard.open")}</Link>
    </li>
  );
}

function AuditStatus() {
  const { t } = useTranslation();
  const r = useLoad(() => audit.verify(), []);
  return (
    <li className="card">
      <h2 className="card-title">{t("dashboard.auditChain")}</h2>
      <p className="card-value" aria-live="polite">
        {r.loading ? (
          <span className="muted">{t("audit.verifying")}</span>
        ) : r.error ? (
          <span className="error">{problemText(t, r.error).title}</span>
        ) : r.data!.ok ? (
          <span className="ok">{t("audit.intact", { count: r.data!.entries, entries: formatNumber(r.data!.entries) })}</span>
        ) : (
          <span className="error">{t("audit.broken", { seq: r.data!.brokenAt ?? "?" })}</span>
        )}
      </p>
      <Link to="/audit">{t("dashboard.open")}</Link>
    </li>
  );
}

function Pending({ title, by }: { title: string; by: string }) {
  const { t } = useTranslation();
  return (
    <li className="card card-pending">
      <h2 className="card-title">{title}</h2>
      <p className="muted">{t("dashboard.pendingText", { subsystem: by })}</p>
    </li>
  );
}

export function DashboardPage() {
  const { t } = useTranslation();
  const account = useAccount();
  const can = useCan();
  const sts = account.role.startsWith("sts_") || account.role === "auditor";
  return (
    <section>
      <PageHeader title={t("dashboard.title")} lead={t("dashboard.welcome", { name: account.displayName })} />
      <ul className="cards" aria-label={t("dashboard.now")}>
        <Count label={t("nav.organisations")} to="/organisations" load={(s) => organisations.list({ limit: 1 }, s)} />
        <Count label={t("nav.operators")} to="/operators" load={(s) => operators.list({ limit: 1 }, s)} />
        <Count label={t("dashboard.prefixes")} to="/catalogue" load={(s) => catalogue.list({ limit: 1 }, s)} />
        {can("audit.read") && <AuditStatus />}
      </ul>
      <h2 className="section-title">{t("dashboard.later")}</h2>
      <ul className="cards" aria-label={t("dashboard.later")}>
        <Pending title={t("dashboard.applications")} by={t("subsystem.workflows")} />
        {sts && <Pending title={t("dashboard.incidents")} by={t("subsystem.workflows")} />}
        {account.role !== "organisation_staff" && <Pending title={t("dashboard.unknownSources")} by={t("subsystem.gateway")} />}
        {sts && <Pending title={t("dashboard.caExpiry")} by={t("subsystem.ca")} />}
        {sts && <Pending title={t("dashboard.traffic")} by={t("subsystem.gateway")} />}
      </ul>
    </section>
  );
}
