/**
 * Unknown source addresses (p.13): addresses the gateway saw outside the catalogue. A telecom operator sees
 * the ones it was notified of with the five-working-day term to update its catalogue (after which the
 * address is blocked); STS sees all of them and attributes an address nobody could attribute to an operator,
 * which is then notified.
 */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { UNKNOWN_SOURCE_STATES, CATALOGUE_UPDATE_WORKING_DAYS } from "../../../../src/domain/workflows/unknown-source.js";
import { useLoad, useSubmit } from "../../hooks.js";
import { useCan } from "../../session.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { Modal } from "../../components/dialog.js";
import { Notice } from "../../components/states.js";
import { FormActions } from "../../components/form-actions.js";
import { PagedList } from "../../components/table.js";
import { SelectField } from "../../components/fields.js";
import { DeadlineText } from "../../components/deadline.js";
import { EntitySelect, localName, useNames } from "../../components/names.js";
import { formatDateTime, formatNumber, TIME_ZONE } from "../../i18n/format.js";
import { allPages, unknownSources, type UnknownSource } from "../applications/api.js";
import { ExportButton } from "../applications/export-button.js";
import { useDaysLeft } from "../applications/sla.js";

const LIMIT = 20;

function AssignDialog({ source, onClose, onDone }: { source: UnknownSource; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const [operatorId, setOperatorId] = useState("");
  const assignment = useSubmit();
  async function assign() {
    if (assignment.invalid(operatorId ? {} : { "/operatorId": t("validation.required") })) return;
    await assignment.run(async () => {
      await unknownSources.assign(source.address, operatorId);
      onDone();
    });
  }
  return (
    <Modal title={t("unknownSources.assignTitle", { address: source.address })} open onClose={onClose}>
      <p>{t("unknownSources.assignText", { count: CATALOGUE_UPDATE_WORKING_DAYS })}</p>
      <EntitySelect kind="operator" label={t("common.operator")} value={operatorId} onValue={setOperatorId} error={assignment.fields["/operatorId"]} required />
      <FormActions submit={assignment} problem={assignment.error} label={t("unknownSources.assign")} onCancel={onClose} onClick={() => void assign()} />
    </Modal>
  );
}

export function UnknownSourcesPage() {
  const { t } = useTranslation();
  const can = useCan();
  const { query } = useLocation();
  const state = query.get("state") ?? "";
  const offset = Number(query.get("offset") ?? 0) || 0;
  const list = useLoad((signal) => unknownSources.list({ state: state || undefined, limit: LIMIT, offset }, signal), [state, offset]);
  const rows = list.data?.items ?? [];
  const ops = useNames("operator", rows.map((r) => r.operatorId));
  const left = useDaysLeft(rows.flatMap((r) => (r.blockDue && r.state === "notified" ? [r.blockDue] : [])));
  const [assigning, setAssigning] = useState<UnknownSource>();
  const [notice, setNotice] = useState<string>();
  const term = (r: UnknownSource) => {
    if (r.state === "blocked") return <span className="deadline deadline-overdue">{t("unknownSources.blockedAt", { when: formatDateTime(r.blockedAt) })}</span>;
    if (r.state !== "notified" || !r.blockDue) return "—";
    const n = left[r.blockDue];
    return n === undefined ? t("common.loading") : <DeadlineText deadline={{ from: r.notifiedAt ?? r.blockDue, workingDays: CATALOGUE_UPDATE_WORKING_DAYS, due: r.blockDue, expiresAt: r.blockDue, timeZone: TIME_ZONE, verified: true }} left={n} />;
  };
  return (
    <section>
      <PageHeader title={t("unknownSources.title")} lead={t("unknownSources.lead", { count: CATALOGUE_UPDATE_WORKING_DAYS })}>
        <ExportButton
          file="unknown-sources.csv"
          header={["address", "state", "operator_id", "first_seen", "last_seen", "hits", "notified_at", "block_due", "blocked_at", "resolved_at"]}
          rows={async () =>
            (await allPages((p) => unknownSources.list({ state: state || undefined, ...p }))).map((r) => [r.address, r.state, r.operatorId, r.firstSeen, r.lastSeen, r.hits, r.notifiedAt, r.blockDue, r.blockedAt, r.resolvedAt])
          }
        />
        {can("catalogue.write") && (
          <Link to="/catalogue" className="btn">
            {t("unknownSources.toCatalogue")}
          </Link>
        )}
      </PageHeader>
      <Notice text={notice} />
      <div className="filters">
        <SelectField label={t("common.status")} value={state} onValue={(v) => setQuery({ state: v, offset: undefined })} options={[{ value: "", label: t("common.all") }, ...UNKNOWN_SOURCE_STATES.map((s) => ({ value: s, label: t(`unknownState.${s}`) }))]} />
      </div>
      <PagedList<UnknownSource>
        list={list}
        caption={t("unknownSources.title")}
        empty={state ? t("common.noMatches") : t("unknownSources.empty")}
        offset={offset}
        limit={LIMIT}
        onOffset={(o) => setQuery({ offset: o || undefined })}
        rowKey={(r) => r.address}
        rowClass={(r) => (r.state === "blocked" ? "row-overdue" : undefined)}
        columns={[
          { key: "address", header: t("unknownSources.address"), cell: (r) => <span className="mono">{r.address}</span> },
          { key: "state", header: t("common.status"), cell: (r) => <span className={`badge badge-${r.state}`}>{t(`unknownState.${r.state}`)}</span> },
          { key: "operator", header: t("common.operator"), cell: (r) => (r.operatorId ? localName(ops[r.operatorId]) : t("unknownSources.unattributed")) },
          { key: "seen", header: t("unknownSources.seen"), cell: (r) => t("unknownSources.seenText", { first: formatDateTime(r.firstSeen), last: formatDateTime(r.lastSeen), count: r.hits, hits: formatNumber(r.hits) }) },
          { key: "term", header: t("unknownSources.term"), cell: term },
          {
            key: "actions",
            header: t("common.actions"),
            cell: (r) =>
              can("unknown-source.write") && r.state === "detected" ? (
                <button type="button" className="btn" onClick={() => setAssigning(r)}>
                  {t("unknownSources.assign")}
                </button>
              ) : null,
          },
        ]}
      />
      {assigning && (
        <AssignDialog
          source={assigning}
          onClose={() => setAssigning(undefined)}
          onDone={() => {
            setNotice(t("unknownSources.assigned", { address: assigning.address }));
            setAssigning(undefined);
            list.reload();
          }}
        />
      )}
    </section>
  );
}
