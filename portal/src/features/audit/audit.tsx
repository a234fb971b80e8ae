/**
 * The audit log: every change, who made it and when, hash-chained. "Verify" recomputes the whole chain on
 * the server and names the first broken entry if there is one.
 */
import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { audit, type AuditCheck, type AuditRow } from "../../api/resources.js";
import { useLoad, useSubmit } from "../../hooks.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { PagedList } from "../../components/table.js";
import { ProblemMessage } from "../../components/states.js";
import { TextField } from "../../components/fields.js";
import { formatDateTime, formatNumber } from "../../i18n/format.js";

const LIMIT = 25;

export function AuditPage() {
  const { t } = useTranslation();
  const { query } = useLocation();
  const entityType = query.get("entityType") ?? "";
  const action = query.get("action") ?? "";
  const offset = Number(query.get("offset") ?? 0) || 0;
  const [typeDraft, setTypeDraft] = useState(entityType);
  const [actionDraft, setActionDraft] = useState(action);
  const list = useLoad((signal) => audit.list({ entityType: entityType || undefined, action: action || undefined, limit: LIMIT, offset }, signal), [entityType, action, offset]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ entityType: typeDraft.trim(), action: actionDraft.trim(), offset: undefined });
  };
  return (
    <section>
      <PageHeader title={t("audit.title")} lead={t("audit.lead")} />
      <Verify />
      <form className="filters" role="search" onSubmit={submit}>
        <TextField label={t("audit.entityType")} hint={t("audit.entityTypeHint")} value={typeDraft} onValue={setTypeDraft} spellCheck={false} />
        <TextField label={t("audit.action")} hint={t("audit.actionHint")} value={actionDraft} onValue={setActionDraft} spellCheck={false} />
        <button type="submit" className="btn">
          {t("common.apply")}
        </button>
      </form>
      <PagedList<AuditRow>
        list={list}
        caption={t("audit.title")}
        empty={t("common.noMatches")}
        offset={offset}
        limit={LIMIT}
        onOffset={(o) => setQuery({ offset: o || undefined })}
        rowKey={(r) => String(r.seq)}
        columns={[
          { key: "seq", header: "#", className: "num", cell: (r) => formatNumber(r.seq) },
          { key: "at", header: t("audit.at"), cell: (r) => formatDateTime(r.at) },
          { key: "actor", header: t("audit.actor"), cell: (r) => `${r.actor.username} (${t(`role.${r.actor.role}`, { defaultValue: r.actor.role })})` },
          { key: "action", header: t("audit.action"), cell: (r) => <span className="mono">{r.action}</span> },
          { key: "entity", header: t("audit.entity"), cell: (r) => (r.entityType ? <span className="mono">{`${r.entityType} ${r.entityId ?? ""}`}</span> : "—") },
          { key: "details", header: t("audit.details"), cell: (r) => <Details row={r} /> },
        ]}
      />
    </section>
  );
}

function Details({ row }: { row: AuditRow }) {
  const { t } = useTranslation();
  if (row.before == null && row.after == null) return <span className="muted">—</span>;
  return (
    <details>
      <summary>{t("audit.showChange")}</summary>
      <div className="grid-2">
        <div>
          <h3 className="small-title">{t("audit.before")}</h3>
          <pre className="mono json">{JSON.stringify(row.before, null, 2)}</pre>
        </div>
        <div>
          <h3 className="small-title">{t("audit.after")}</h3>
          <pre className="mono json">{JSON.stringify(row.after, null, 2)}</pre>
        </div>
      </div>
    </details>
  );
}

function Verify() {
  const { t } = useTranslation();
  const check = useSubmit();
  const [result, setResult] = useState<AuditCheck>();
  const [at, setAt] = useState<string>();
  const out = useRef<HTMLDivElement>(null);
  async function run() {
    await check.run(async () => {
      setResult(await audit.verify());
      setAt(new Date().toISOString());
    });
    requestAnimationFrame(() => out.current?.focus());
  }
  return (
    <div className="panel verify">
      <button type="button" className="btn btn-primary" onClick={() => void run()} disabled={check.busy}>
        {check.busy ? t("audit.verifying") : t("audit.verify")}
      </button>
      <div ref={out} tabIndex={-1} aria-live="polite" className="verify-result">
        {check.error !== undefined && <ProblemMessage error={check.error} />}
        {result &&
          (result.ok ? (
            <p className="ok" data-result="ok">
              <strong>{t("audit.intact", { count: result.entries, entries: formatNumber(result.entries) })}</strong> · {t("audit.checkedAt", { when: formatDateTime(at) })}
              <br />
              <span className="mono small">{t("audit.head", { hash: result.headHash ?? "" })}</span>
            </p>
          ) : (
            <p className="error" data-result="broken">
              <strong>{t("audit.broken", { seq: result.brokenAt ?? "?" })}</strong> {result.reason}
            </p>
          ))}
      </div>
    </div>
  );
}
