/**
 * The transparency report over a period of Almaty days: connections the gateway decrypted and inspected
 * vs passed through without decryption (spliced), by category — the seven of p.20 are never inspected —
 * blocks by reason, unknown-address blocks (p.13), and the re-categorisation requests (complaints) with
 * their outcomes. Counts only; CSV export of each table.
 */
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useLoad } from "../../hooks.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Table } from "../../components/table.js";
import { Empty, WhenLoaded } from "../../components/states.js";
import { TextField } from "../../components/fields.js";
import { formatDate, formatDateTime, formatNumber, todayInAlmaty } from "../../i18n/format.js";
import { reports, type TransparencyReport } from "../gateway/api.js";
import { reasonLabel } from "../gateway/reasons.js";
import { useCategories } from "../categories/names.js";
import { BarChart, ColumnChart } from "../dashboard/charts.js";
import { downloadCsv } from "./download.js";

type CategoryRow = TransparencyReport["byCategory"][number];

export function TransparencyPage() {
  const { t } = useTranslation();
  const { query } = useLocation();
  const today = todayInAlmaty();
  const from = query.get("from") ?? `${today.slice(0, 8)}01`;
  const to = query.get("to") ?? today;
  const [fromDraft, setFromDraft] = useState(from);
  const [toDraft, setToDraft] = useState(to);
  const r = useLoad((s) => reports.transparency(from, to, s), [from, to]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ from: fromDraft, to: toDraft });
  };
  return (
    <section>
      <PageHeader title={t("transparency.title")} lead={t("transparency.lead")} />
      <form className="filters" onSubmit={submit} aria-label={t("transparency.period")}>
        <TextField label={t("transparency.from")} type="date" value={fromDraft} onValue={setFromDraft} required />
        <TextField label={t("transparency.to")} type="date" value={toDraft} onValue={setToDraft} required />
        <button type="submit" className="btn">
          {t("common.apply")}
        </button>
      </form>
      <WhenLoaded of={r}>{(data) => <Report data={data} />}</WhenLoaded>
    </section>
  );
}

function Report({ data }: { data: TransparencyReport }) {
  const { t } = useTranslation();
  const cats = useCategories();
  const f = data.flows;
  const card = (label: string, n: number, key: string) => (
    <li className="card" key={key} data-figure={key}>
      <h3 className="card-title">{label}</h3>
      <p className="card-value">{formatNumber(n)}</p>
    </li>
  );
  const series = [
    { key: "inspected", label: t("transparency.inspected") },
    { key: "spliced", label: t("transparency.spliced") },
    { key: "plain", label: t("transparency.plain") },
    { key: "blocked", label: t("transparency.blocked") },
  ];
  const file = `transparency-${data.from}-${data.to}`;
  const c = data.complaints;
  return (
    <>
      <p className="muted" aria-live="polite">
        {t("transparency.periodText", { from: formatDate(data.from), to: formatDate(data.to), when: formatDateTime(data.generatedAt) })}
      </p>
      <ul className="cards" aria-label={t("transparency.flowsTitle")}>
        {card(t("transparency.total"), f.total, "total")}
        {card(t("transparency.inspected"), f.inspected, "inspected")}
        {card(t("transparency.spliced"), f.spliced, "spliced")}
        {card(t("transparency.plain"), f.plain, "plain")}
        {card(t("transparency.blocked"), f.blocked, "blocked")}
        {card(t("transparency.unknownSourceBlocked"), f.unknownSourceBlocked, "unknown")}
        {card(t("transparency.requests"), f.requests, "requests")}
        {card(t("transparency.requestsBlocked"), f.requestsBlocked, "requests-blocked")}
      </ul>
      <p className="muted small">{t("transparency.protectedNote")}</p>
      {data.daily.length <= 92 && (
        <ColumnChart
          title={t("transparency.dailyChart")}
          summary={t("transparency.dailySummary", { days: formatNumber(data.daily.length), total: formatNumber(f.total) })}
          series={series}
          rows={data.daily.map((d) => ({ label: formatDate(d.date, "short"), values: [d.inspected, d.spliced, d.plain, d.blocked] }))}
          first={t("transparency.day")}
          empty={t("transparency.noFlows")}
          tick={(i) => data.daily.length <= 16 || i % Math.ceil(data.daily.length / 12) === 0}
        />
      )}

      <div className="panel">
        <div className="section-head">
          <h2 className="section-title">{t("transparency.byCategoryTitle")}</h2>
          <button
            type="button"
            className="btn"
            disabled={data.byCategory.length === 0}
            onClick={() =>
              downloadCsv(
                `${file}-categories.csv`,
                ["category", "protected", "inspected", "spliced", "plain", "blocked"],
                data.byCategory.map((x) => [x.category, x.protected, x.inspected, x.spliced, x.plain, x.blocked]),
              )
            }
          >
            {t("transparency.exportCsv")}
          </button>
        </div>
        <BarChart
          title={t("transparency.byCategoryChart")}
          summary={t("transparency.byCategorySummary", { inspected: formatNumber(f.inspected), spliced: formatNumber(f.spliced) })}
          series={series}
          rows={data.byCategory.slice(0, 15).map((x) => ({ label: cats.name(x.category), values: [x.inspected, x.spliced, x.plain, x.blocked] }))}
          first={t("transparency.category")}
          empty={t("transparency.noCategorised")}
        />
        {data.byCategory.length > 0 && (
          <Table<CategoryRow>
            caption={t("transparency.byCategoryTitle")}
            rows={data.byCategory}
            rowKey={(x) => x.category}
            columns={[
              { key: "category", header: t("transparency.category"), cell: (x) => (
                  <>
                    {cats.name(x.category)} {x.protected && <span className="badge badge-protected">{t("categoryDb.protected")}</span>}
                  </>
                ) },
              { key: "inspected", header: t("transparency.inspected"), className: "num", cell: (x) => formatNumber(x.inspected) },
              { key: "spliced", header: t("transparency.spliced"), className: "num", cell: (x) => formatNumber(x.spliced) },
              { key: "plain", header: t("transparency.plain"), className: "num", cell: (x) => formatNumber(x.plain) },
              { key: "blocked", header: t("transparency.blocked"), className: "num", cell: (x) => formatNumber(x.blocked) },
            ]}
          />
        )}
      </div>

      <div className="panels">
        <div className="panel">
          <div className="section-head">
            <h2 className="section-title">{t("transparency.blocksTitle")}</h2>
            <button type="button" className="btn" disabled={data.blocksByReason.length === 0} onClick={() => downloadCsv(`${file}-blocks.csv`, ["reason", "count"], data.blocksByReason.map((b) => [b.reason, b.count]))}>
              {t("transparency.exportCsv")}
            </button>
          </div>
          {data.blocksByReason.length === 0 ? (
            <Empty>{t("transparency.noBlocks")}</Empty>
          ) : (
            <Table
              caption={t("transparency.blocksTitle")}
              rows={data.blocksByReason}
              rowKey={(b) => b.reason}
              columns={[
                { key: "reason", header: t("transparency.reason"), cell: (b) => reasonLabel(t, b.reason) },
                { key: "count", header: t("transparency.count"), className: "num", cell: (b) => formatNumber(b.count) },
              ]}
            />
          )}
        </div>
        <div className="panel">
          <h2 className="section-title">{t("transparency.complaintsTitle")}</h2>
          <p className="muted small">{t("transparency.complaintsLead")}</p>
          <dl className="facts" data-testid="complaints">
            <dt>{t("transparency.submitted")}</dt>
            <dd>{formatNumber(c.submitted)}</dd>
            <dt>{t("transparency.granted")}</dt>
            <dd>{formatNumber(c.granted)}</dd>
            <dt>{t("transparency.denied")}</dt>
            <dd>{formatNumber(c.denied)}</dd>
            <dt>{t("transparency.pending")}</dt>
            <dd>{formatNumber(c.pending)}</dd>
            <dt>{t("transparency.decidedInTime")}</dt>
            <dd>{formatNumber(c.decidedInTime)}</dd>
          </dl>
        </div>
      </div>
    </>
  );
}
