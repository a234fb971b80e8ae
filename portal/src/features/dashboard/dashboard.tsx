/**
 * The first screen. Everyone sees the counts of their scope (organisations, operators, prefixes). STS and
 * the auditor also see the overview report — applications due today, within five working days and overdue,
 * open incidents, unknown source addresses notified and blocked — the root certificate's expiry, the
 * gateway's health, and the last 24 hours of traffic as charts. Aggregates only: no person's browsing.
 */
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { organisations, operators, catalogue, audit } from "../../api/resources.js";
import { useLoad } from "../../hooks.js";
import { useAccount, useCan } from "../../session.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { WhenLoaded } from "../../components/states.js";
import { formatDate, formatDateTime, formatNumber, TIME_ZONE } from "../../i18n/format.js";
import { problemText } from "../../components/states.js";
import { currentLanguage } from "../../i18n/index.js";
import { gateway, reports, type OverviewReport } from "../gateway/api.js";
import { ca, distribution } from "../ca/api.js";
import { useCategories } from "../categories/names.js";
import { BarChart, ColumnChart } from "./charts.js";

function Card({ title, children, to }: { title: string; children: ReactNode; to?: string }) {
  const { t } = useTranslation();
  return (
    <li className="card">
      <h2 className="card-title">{title}</h2>
      <div className="card-value" aria-live="polite">
        {children}
      </div>
      {to && <Link to={to}>{t("dashboard.open")}</Link>}
    </li>
  );
}

function Count({ label, to, load }: { label: string; to: string; load: (s: AbortSignal) => Promise<{ total: number }> }) {
  const { t } = useTranslation();
  const r = useLoad(load, []);
  return (
    <Card title={label} to={to}>
      {r.loading ? <span className="muted">{t("common.loading")}</span> : r.error ? <span className="error">{problemText(t, r.error).title}</span> : formatNumber(r.data!.total)}
    </Card>
  );
}

function AuditStatus() {
  const { t } = useTranslation();
  const r = useLoad(() => audit.verify(), []);
  return (
    <Card title={t("dashboard.auditChain")} to="/audit">
      {r.loading ? (
        <span className="muted">{t("audit.verifying")}</span>
      ) : r.error ? (
        <span className="error">{problemText(t, r.error).title}</span>
      ) : r.data!.ok ? (
        <span className="ok">{t("audit.intact", { count: r.data!.entries, entries: formatNumber(r.data!.entries) })}</span>
      ) : (
        <span className="error">{t("audit.broken", { seq: r.data!.brokenAt ?? "?" })}</span>
      )}
    </Card>
  );
}

/** The active root and its expiry in days (p.21: STS keeps the root valid). */
function CaExpiry() {
  const { t } = useTranslation();
  const r = useLoad((s) => ca.list(s), []);
  const root = r.data?.items.find((c) => c.kind === "root" && c.state === "active");
  const days = root ? Math.floor((Date.parse(root.notAfter) - Date.now()) / 86_400_000) : 0;
  return (
    <Card title={t("dashboard.caExpiry")} to="/ca">
      {r.loading ? (
        <span className="muted">{t("common.loading")}</span>
      ) : r.error ? (
        <span className="error">{problemText(t, r.error).title}</span>
      ) : !root ? (
        <span className="muted">{t("dashboard.noActiveRoot")}</span>
      ) : (
        <>
          <span className={days < 90 ? "error" : undefined}>{t("dashboard.daysLeft", { count: days, days: formatNumber(days) })}</span>
          <span className="card-note">{t("dashboard.validUntil", { date: formatDate(root.notAfter.slice(0, 10)) })}</span>
        </>
      )}
    </Card>
  );
}

function GatewayHealth() {
  const { t } = useTranslation();
  const r = useLoad((s) => gateway.status(s), []);
  const s = r.data;
  return (
    <Card title={t("dashboard.gatewayHealth")} to="/gateway/what-if">
      {r.loading ? (
        <span className="muted">{t("common.loading")}</span>
      ) : r.error ? (
        <span className="error">{problemText(t, r.error).title}</span>
      ) : !s!.running ? (
        <span className="muted">{t("dashboard.gatewayOff")}</span>
      ) : s!.lastError ? (
        <span className="error">{t("dashboard.gatewayError", { error: s!.lastError })}</span>
      ) : (
        <>
          <span className="ok">{t("dashboard.gatewayOk")}</span>
          <span className="card-note">{t("dashboard.snapshot", { id: s!.snapshotId ?? "—", when: formatDateTime(s!.compiledAt), organisations: formatNumber(s!.organisations) })}</span>
        </>
      )}
    </Card>
  );
}

/** A telecom operator's root-distribution applications still awaiting its acknowledgement (p.22). */
function RootAcknowledgements() {
  const { t } = useTranslation();
  const r = useLoad((s) => distribution.list(s), []);
  const open = r.data?.items.filter((a) => a.state === "notified").length ?? 0;
  return (
    <Card title={t("dashboard.rootAck")} to="/ca">
      {r.loading ? <span className="muted">{t("common.loading")}</span> : r.error ? <span className="error">{problemText(t, r.error).title}</span> : <span className={open > 0 ? "error" : undefined}>{formatNumber(open)}</span>}
    </Card>
  );
}

const hourFormat = () => new Intl.DateTimeFormat(currentLanguage() === "en" ? "en-GB" : "ru-RU", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: TIME_ZONE });

function Overview({ data }: { data: OverviewReport }) {
  const { t } = useTranslation();
  const cats = useCategories();
  const a = data.applications;
  const allowedBlocked = [
    { key: "allowed", label: t("dashboard.allowed") },
    { key: "blocked", label: t("dashboard.blocked") },
  ];
  const hf = hourFormat();
  const hours = data.traffic.hourly.map((h) => ({ label: hf.format(new Date(h.at)), values: [h.allowed, h.blocked] }));
  const sum = (xs: { allowed: number; blocked: number }[]) => xs.reduce((n, x) => n + x.allowed + x.blocked, 0);
  return (
    <>
      <ul className="cards" aria-label={t("dashboard.workload")}>
        <Card title={t("dashboard.dueToday")} to="/applications">
          {formatNumber(a.dueToday)}
        </Card>
        <Card title={t("dashboard.dueThisWeek")} to="/applications">
          {formatNumber(a.dueThisWeek)}
        </Card>
        <Card title={t("dashboard.overdue")} to="/applications">
          <span className={a.overdue > 0 ? "error" : undefined}>{formatNumber(a.overdue)}</span>
        </Card>
        <Card title={t("dashboard.incidents")} to="/incidents">
          {formatNumber(data.incidents.open)}
          <span className="card-note">{t("dashboard.unacknowledged", { n: formatNumber(data.incidents.unacknowledged) })}</span>
        </Card>
        <Card title={t("dashboard.unknownSources")} to="/unknown-sources">
          {formatNumber(data.unknownSources.notified + data.unknownSources.detected)}
          <span className="card-note">{t("dashboard.unknownBlocked", { n: formatNumber(data.unknownSources.blocked) })}</span>
        </Card>
        <CaExpiry />
        <GatewayHealth />
      </ul>
      <p className="muted small">{t("dashboard.workingDaysNote", { today: formatDate(data.today), tz: TIME_ZONE })}</p>
      <h2 className="section-title">{t("dashboard.traffic")}</h2>
      <div className="charts">
        <ColumnChart
          title={t("dashboard.requestsByHour")}
          summary={t("dashboard.requestsSummary", { total: formatNumber(sum(data.traffic.hourly)), blocked: formatNumber(data.traffic.hourly.reduce((n, h) => n + h.blocked, 0)) })}
          series={allowedBlocked}
          rows={hours}
          first={t("dashboard.hour")}
          empty={t("dashboard.noTraffic")}
          tick={(i) => i % 4 === 0}
        />
        <BarChart
          title={t("dashboard.byCategory")}
          summary={t("dashboard.byCategorySummary", { n: formatNumber(data.traffic.byCategory.length) })}
          series={allowedBlocked}
          rows={data.traffic.byCategory.map((c) => ({ label: cats.name(c.category), values: [c.allowed, c.blocked] }))}
          first={t("dashboard.category")}
          empty={t("dashboard.noTraffic")}
        />
        <BarChart
          title={t("dashboard.topBlocked")}
          summary={t("dashboard.topBlockedSummary", { n: formatNumber(data.traffic.topBlocked.length) })}
          series={[{ key: "blocked", label: t("dashboard.blocked"), look: 1 }]}
          rows={data.traffic.topBlocked.map((h) => ({ label: h.host, values: [h.count] }))}
          first={t("dashboard.destination")}
          empty={t("dashboard.noBlocks")}
        />
      </div>
    </>
  );
}

function Operations() {
  const r = useLoad((s) => reports.overview(s), []);
  return <WhenLoaded of={r}>{(data) => <Overview data={data} />}</WhenLoaded>;
}

export function DashboardPage() {
  const { t } = useTranslation();
  const account = useAccount();
  const can = useCan();
  return (
    <section>
      <PageHeader title={t("dashboard.title")} lead={t("dashboard.welcome", { name: account.displayName })} />
      {can("report.read") && <Operations />}
      <h2 className="section-title">{t("dashboard.registry")}</h2>
      <ul className="cards" aria-label={t("dashboard.registry")}>
        <Count label={t("nav.organisations")} to="/organisations" load={(s) => organisations.list({ limit: 1 }, s)} />
        <Count label={t("nav.operators")} to="/operators" load={(s) => operators.list({ limit: 1 }, s)} />
        <Count label={t("dashboard.prefixes")} to="/catalogue" load={(s) => catalogue.list({ limit: 1 }, s)} />
        {can("audit.read") && <AuditStatus />}
        {account.role === "operator_staff" && <RootAcknowledgements />}
      </ul>
    </section>
  );
}
