/**
 * Incidents (p.14): the duty officer's queue — unacknowledged first, by severity, then by how soon the
 * acknowledgement term passes — and, for operators and organisations, their own reports.
 */
import { useTranslation } from "react-i18next";
import { useLoad } from "../../hooks.js";
import { useCan } from "../../session.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { PagedList } from "../../components/table.js";
import { SelectField } from "../../components/fields.js";
import { formatDateTime } from "../../i18n/format.js";
import { hourTerm } from "../applications/sla.js";
import { allPages, incidents, type IncidentRow } from "../applications/api.js";
import { ExportButton } from "../applications/export-button.js";
import { StateBadge, useApplicants } from "../applications/inbox.js";
import { WORKFLOWS } from "../applications/vocabulary.js";

const LIMIT = 20;

export function IncidentsPage() {
  const { t } = useTranslation();
  const can = useCan();
  const { query } = useLocation();
  const state = query.get("state") ?? "";
  const offset = Number(query.get("offset") ?? 0) || 0;
  const list = useLoad((signal) => incidents.queue({ state: state || undefined, limit: LIMIT, offset }, signal), [state, offset]);
  const rows = list.data?.items ?? [];
  const applicant = useApplicants(rows);
  return (
    <section>
      <PageHeader title={t("incidents.title")} lead={t("incidents.lead")}>
        <ExportButton
          file="incidents.csv"
          header={["number", "title", "severity", "state", "source", "organisation_id", "operator_id", "reported_at", "acknowledge_by", "overdue"]}
          rows={async () =>
            (await allPages((p) => incidents.queue({ state: state || undefined, ...p }))).map((r) => [r.number, r.title, r.severity, r.state, r.source, r.organisationId, r.operatorId, r.reportedAt, r.acknowledgeBy, String(r.overdue)])
          }
        />
        {can("incident.report") && (
          <Link to="/incidents/new" className="btn btn-primary">
            {t("incidents.report")}
          </Link>
        )}
      </PageHeader>
      <div className="filters">
        <SelectField label={t("common.status")} value={state} onValue={(v) => setQuery({ state: v, offset: undefined })} options={[{ value: "", label: t("common.all") }, ...WORKFLOWS.incident.states.map((s) => ({ value: s, label: t(`appState.${s}`) }))]} />
      </div>
      <PagedList<IncidentRow>
        list={list}
        caption={t("incidents.title")}
        empty={state ? t("common.noMatches") : t("incidents.empty")}
        offset={offset}
        limit={LIMIT}
        onOffset={(o) => setQuery({ offset: o || undefined })}
        rowKey={(r) => r.id}
        rowClass={(r) => (r.overdue ? "row-overdue" : undefined)}
        columns={[
          { key: "number", header: t("apps.number"), cell: (r) => <Link to={`/applications/${r.id}`} className="mono app-number">{r.number}</Link> },
          { key: "title", header: t("appField.title"), cell: (r) => r.title },
          { key: "severity", header: t("appField.severity"), cell: (r) => <span className={`badge badge-severity-${r.severity}`}>{t(`appOption.${r.severity}`)}</span> },
          { key: "state", header: t("common.status"), cell: (r) => <StateBadge state={r.state} /> },
          { key: "reporter", header: t("incidents.reporter"), cell: (r) => `${applicant(r)} · ${t(`incidentSource.${r.source}`)}` },
          { key: "reported", header: t("incidents.reportedAt"), cell: (r) => formatDateTime(r.reportedAt) },
          {
            key: "ack",
            header: t("incidents.acknowledgeBy"),
            cell: (r) => (r.acknowledgeBy ? <span className={r.overdue ? "deadline deadline-overdue" : "deadline"}>{hourTerm(t, r.overdue, r.acknowledgeBy)}</span> : "—"),
          },
        ]}
      />
    </section>
  );
}
