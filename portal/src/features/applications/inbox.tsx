/** The application inbox: SLA timers, filters by kind, state, number and overdue, CSV export of the same rows. */
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useLoad } from "../../hooks.js";
import { useAccount, useCan } from "../../session.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { PagedList } from "../../components/table.js";
import { Checkbox, SelectField, TextField } from "../../components/fields.js";
import { EntitySelect, localName, useNames } from "../../components/names.js";
import { formatDate, todayInAlmaty } from "../../i18n/format.js";
import { applications, type ApplicationRow } from "./api.js";
import { APPLICATION_KINDS, APP_STATES, WORKFLOWS, type ApplicationKind } from "./vocabulary.js";
import { SlaTimer, useDaysLeft } from "./sla.js";
import "./applications.css";

const LIMIT = 20;

export function StateBadge({ state }: { state: string }) {
  const { t } = useTranslation();
  return <span className={`badge badge-app badge-${state}`}>{t(`appState.${state}`)}</span>;
}

/** The applicant of an application: its organisation or telecom operator, in the chosen language. */
export function useApplicants(rows: { organisationId: string | null; operatorId: string | null }[]) {
  const orgs = useNames("organisation", rows.map((r) => r.organisationId));
  const ops = useNames("operator", rows.map((r) => r.operatorId));
  return (r: { organisationId: string | null; operatorId: string | null }) => (r.organisationId ? localName(orgs[r.organisationId]) : r.operatorId ? localName(ops[r.operatorId]) : "—");
}

export function ApplicationsPage() {
  const { t } = useTranslation();
  const can = useCan();
  const { query } = useLocation();
  const kind = (query.get("kind") ?? "") as ApplicationKind | "";
  const state = query.get("state") ?? "";
  const overdue = query.get("overdue") === "1";
  const q = query.get("q") ?? "";
  const organisationId = query.get("organisationId") ?? "";
  // STS and the auditor read every applicant; the API scopes the others to their own.
  const role = useAccount().role;
  const everyone = role !== "organisation_staff" && role !== "operator_staff";
  const offset = Number(query.get("offset") ?? 0) || 0;
  const [search, setSearch] = useState(q);
  const filters = { kind: kind || undefined, state: state || undefined, overdue, q: q || undefined, organisationId: organisationId || undefined };
  const list = useLoad((signal) => applications.inbox({ ...filters, limit: LIMIT, offset }, signal), [kind, state, overdue, q, organisationId, offset]);
  const rows = list.data?.items ?? [];
  const left = useDaysLeft(rows.flatMap((r) => (r.nextDeadline ? [r.nextDeadline.dueDate] : [])));
  const applicant = useApplicants(rows);
  const states = kind ? WORKFLOWS[kind].states : APP_STATES;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ q: search.trim(), offset: undefined });
  };
  return (
    <section>
      <PageHeader title={t("apps.title")} lead={t("apps.lead")}>
        <a className="btn" href={applications.inboxCsvUrl(filters)} download>
          {t("apps.exportCsv")}
        </a>
        {can("application.submit") && (
          <Link to="/applications/new" className="btn btn-primary">
            {t("apps.new")}
          </Link>
        )}
      </PageHeader>
      <form className="filters" role="search" onSubmit={submit}>
        <TextField label={t("apps.number")} hint={t("apps.numberHint")} type="search" value={search} onValue={setSearch} />
        <SelectField label={t("apps.kind")} value={kind} onValue={(v) => setQuery({ kind: v, state: undefined, offset: undefined })} options={[{ value: "", label: t("common.all") }, ...APPLICATION_KINDS.map((k) => ({ value: k, label: t(`appKind.${k}`) }))]} />
        <SelectField label={t("common.status")} value={state} onValue={(v) => setQuery({ state: v, offset: undefined })} options={[{ value: "", label: t("common.all") }, ...states.map((s) => ({ value: s, label: t(`appState.${s}`) }))]} />
        {everyone && <EntitySelect kind="organisation" label={t("common.organisation")} value={organisationId} onValue={(v) => setQuery({ organisationId: v, offset: undefined })} allowEmpty emptyLabel={t("common.all")} />}
        <Checkbox label={t("apps.overdueOnly")} checked={overdue} onValue={(v) => setQuery({ overdue: v ? 1 : undefined, offset: undefined })} />
        <button type="submit" className="btn">
          {t("common.apply")}
        </button>
      </form>
      <PagedList<ApplicationRow>
        list={list}
        caption={t("apps.title")}
        empty={kind || state || overdue || q || organisationId ? t("common.noMatches") : t("apps.empty")}
        offset={offset}
        limit={LIMIT}
        onOffset={(o) => setQuery({ offset: o || undefined })}
        rowKey={(r) => r.id}
        rowClass={(r) => (r.nextDeadline?.overdue ? "row-overdue" : undefined)}
        columns={[
          { key: "number", header: t("apps.number"), cell: (r) => <Link to={`/applications/${r.id}`} className="mono app-number">{r.number}</Link> },
          { key: "kind", header: t("apps.kind"), cell: (r) => t(`appKind.${r.kind}`) },
          { key: "applicant", header: t("apps.applicant"), cell: applicant },
          { key: "state", header: t("common.status"), cell: (r) => <StateBadge state={r.state} /> },
          { key: "submitted", header: t("apps.submitted"), cell: (r) => formatDate(todayInAlmaty(new Date(r.submittedAt)), "short") },
          { key: "deadline", header: t("apps.nextDeadline"), cell: (r) => (r.nextDeadline ? <SlaTimer deadline={r.nextDeadline} left={left[r.nextDeadline.dueDate]} /> : "—") },
        ]}
      />
    </section>
  );
}
