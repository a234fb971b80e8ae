/** STS follow-up tasks (p.19: "the necessary organisational and technical measures" after a change notice). */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useLoad } from "../../hooks.js";
import { useCan } from "../../session.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { ProblemMessage } from "../../components/states.js";
import { PagedList } from "../../components/table.js";
import { SelectField } from "../../components/fields.js";
import { formatDateTime } from "../../i18n/format.js";
import { tasks, type Task } from "./api.js";
import { TASK_STATES } from "./vocabulary.js";

const LIMIT = 20;

export function TasksPage() {
  const { t } = useTranslation();
  const can = useCan();
  const { query } = useLocation();
  const state = query.get("state") ?? "open";
  const offset = Number(query.get("offset") ?? 0) || 0;
  const list = useLoad((signal) => tasks.list({ state: state === "all" ? undefined : state, limit: LIMIT, offset }, signal), [state, offset]);
  const [problem, setProblem] = useState<unknown>();
  const [busy, setBusy] = useState<string>();
  async function done(task: Task) {
    setProblem(undefined);
    setBusy(task.id);
    try {
      await tasks.done(task.id);
      list.reload();
    } catch (e) {
      setProblem(e);
    } finally {
      setBusy(undefined);
    }
  }
  return (
    <section>
      <PageHeader title={t("tasks.title")} lead={t("tasks.lead")} />
      <div className="filters">
        <SelectField label={t("common.status")} value={state} onValue={(v) => setQuery({ state: v, offset: undefined })} options={[...TASK_STATES.map((s) => ({ value: s, label: t(`taskState.${s}`) })), { value: "all", label: t("common.all") }]} />
      </div>
      {problem !== undefined && <ProblemMessage error={problem} />}
      <PagedList<Task>
        list={list}
        caption={t("tasks.title")}
        empty={t("tasks.empty")}
        offset={offset}
        limit={LIMIT}
        onOffset={(o) => setQuery({ offset: o || undefined })}
        rowKey={(r) => r.id}
        columns={[
          { key: "title", header: t("tasks.task"), cell: (r) => r.title },
          { key: "app", header: t("tasks.application"), cell: (r) => <Link to={`/applications/${r.applicationId}`}>{t("tasks.open")}</Link> },
          { key: "created", header: t("common.created"), cell: (r) => formatDateTime(r.createdAt) },
          { key: "state", header: t("common.status"), cell: (r) => (r.state === "done" ? t("tasks.doneBy", { who: r.doneBy ?? "—", when: formatDateTime(r.doneAt) }) : t(`taskState.${r.state}`)) },
          {
            key: "actions",
            header: t("common.actions"),
            cell: (r) =>
              r.state === "open" && can("task.write") ? (
                <button type="button" className="btn" disabled={busy === r.id} onClick={() => void done(r)}>
                  {t("tasks.markDone")}
                </button>
              ) : null,
          },
        ]}
      />
    </section>
  );
}
