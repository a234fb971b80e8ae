/**
 * The category database (p.20): look a domain or URL up and see its categories with the list each came
 * from; STS overrides (add a category to a pattern, or remove one), with the p.20 floor explained when an
 * override would remove a protected entry; the imported list sources with licence and version.
 */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/client.js";
import { useLoad, useSubmit } from "../../hooks.js";
import { useCan } from "../../session.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { PagedList, Table } from "../../components/table.js";
import { Empty, ProblemMessage, Notice, WhenLoaded } from "../../components/states.js";
import { FormActions } from "../../components/form-actions.js";
import { SelectField, TextField } from "../../components/fields.js";
import { Confirm } from "../../components/dialog.js";
import { formatDate, formatDateTime, formatNumber } from "../../i18n/format.js";
import { categories, type CategoryOverride, type CategorySource } from "../gateway/api.js";
import { useCategories } from "./names.js";
import { downloadCsv } from "../transparency/download.js";

const OVERRIDES_PER_PAGE = 20;
const SEARCH_PAUSE_MS = 250;

export function CategoriesPage() {
  const { t } = useTranslation();
  const can = useCan();
  return (
    <section>
      <PageHeader title={t("categoryDb.title")} lead={t("categoryDb.lead")} />
      <Lookup />
      <Overrides writable={can("category.write")} />
      <Sources />
    </section>
  );
}

function Lookup() {
  const { t } = useTranslation();
  const { query } = useLocation();
  const host = query.get("host") ?? "";
  const path = query.get("path") ?? "";
  const [hostDraft, setHostDraft] = useState(host);
  const [pathDraft, setPathDraft] = useState(path);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ host: hostDraft.trim(), path: pathDraft.trim() }, { replace: true });
  };
  return (
    <div className="panel">
      <h2 className="section-title">{t("categoryDb.lookupTitle")}</h2>
      <form className="filters" role="search" onSubmit={submit}>
        <TextField label={t("categoryDb.host")} hint={t("categoryDb.hostHint")} value={hostDraft} onValue={setHostDraft} spellCheck={false} required />
        <TextField label={t("categoryDb.path")} hint={t("categoryDb.pathHint")} value={pathDraft} onValue={setPathDraft} spellCheck={false} />
        <button type="submit" className="btn btn-primary">
          {t("categoryDb.lookup")}
        </button>
      </form>
      <div aria-live="polite">{host ? <LookupResult host={host} path={path} /> : null}</div>
    </div>
  );
}

/** The answer for the host asked; the answer for the previous host never stands in for it while it loads. */
function LookupResult({ host, path }: { host: string; path: string }) {
  const { t } = useTranslation();
  const cats = useCategories();
  const r = useLoad((signal) => categories.lookup(host, path || undefined, signal), [host, path]);
  return (
    <WhenLoaded of={r} fresh>
      {(found) =>
        !found.valid ? (
          <p className="error">{t("categoryDb.invalidHost", { host: found.host, reason: found.reason ?? "" })}</p>
        ) : found.hits.length === 0 ? (
          <Empty>{t("categoryDb.noHits", { host: found.host })}</Empty>
        ) : (
          <>
            <p data-testid="lookup-summary">
              {t("categoryDb.hitsFor", { host: found.host })}
              {found.protected && (
                <>
                  {" "}
                  <span className="badge badge-protected">{t("categoryDb.protected")}</span> {t("categoryDb.protectedNote")}
                </>
              )}
            </p>
            <Table
              caption={t("categoryDb.lookupTitle")}
              rows={found.hits}
              rowKey={(h) => `${h.kind}:${h.pattern}`}
              columns={[
                { key: "pattern", header: t("categoryDb.pattern"), cell: (h) => <span className="mono">{h.pattern}</span> },
                { key: "kind", header: t("categoryDb.matchKind"), cell: (h) => <span className="mono">{h.kind}</span> },
                { key: "categories", header: t("categoryDb.categories"), cell: (h) => h.categories.map((c) => cats.name(c)).join(", ") },
                { key: "origins", header: t("categoryDb.origins"), cell: (h) => <span className="mono">{h.origins.map((o) => `${cats.name(o.category)}: ${o.source}@${o.sourceVersion}`).join("; ")}</span> },
                { key: "protected", header: t("categoryDb.protected"), cell: (h) => (h.protected ? t("categoryDb.yes") : t("categoryDb.no")) },
              ]}
            />
          </>
        )
      }
    </WhenLoaded>
  );
}

function Overrides({ writable }: { writable: boolean }) {
  const { t } = useTranslation();
  const cats = useCategories();
  const { query } = useLocation();
  const q = query.get("q") ?? "";
  const offset = Number(query.get("offset") ?? 0) || 0;
  const [search, setSearch] = useState(q);
  // The search applies as one types, a moment after the last key (one request per pause, not per key).
  useEffect(() => {
    if (search.trim() === q) return;
    const timer = setTimeout(() => setQuery({ q: search.trim(), offset: undefined }, { replace: true }), SEARCH_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [search, q]);
  const list = useLoad((s) => categories.overrides({ q: q || undefined, limit: OVERRIDES_PER_PAGE, offset }, s), [q, offset]);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>();
  const [action, setAction] = useState<"add" | "remove">("add");
  const [pattern, setPattern] = useState("");
  const [category, setCategory] = useState("");
  const [reason, setReason] = useState("");
  const [notice, setNotice] = useState("");
  const [toDelete, setToDelete] = useState<CategoryOverride | null>(null);
  const [deleteError, setDeleteError] = useState<unknown>();
  const form = useRef<HTMLFormElement>(null);
  const save = useSubmit(form);

  async function add(e: FormEvent) {
    e.preventDefault();
    setNotice("");
    setExportError(undefined);
    await save.run(async () => {
      const o = await categories.addOverride({ action, pattern: pattern.trim(), category, reason: reason.trim() });
      setNotice(t("categoryDb.overrideSaved", { pattern: o.pattern }));
      setPattern("");
      setReason("");
      list.reload();
    });
  }
  async function remove() {
    if (!toDelete) return;
    setDeleteError(undefined);
    try {
      await categories.removeOverride(toDelete.id);
      setNotice(t("categoryDb.overrideDeleted", { pattern: toDelete.pattern }));
      setToDelete(null);
      list.reload();
    } catch (err) {
      setDeleteError(err);
    }
  }
  // p.20 is a floor: the API refuses an override that would take a protected category off a curated entry.
  const floor = save.error instanceof ApiError && /protected-floor|p\.20/.test(save.error.detail);
  const total = list.data?.total ?? 0;
  // Searched and paged by the API (pattern, reason, category id or name); the export takes every match.
  async function exportCsv() {
    setExporting(true);
    try {
      const all: CategoryOverride[] = [];
      for (let at = 0; ; at += 500) {
        const p = await categories.overrides({ q: q || undefined, limit: 500, offset: at });
        all.push(...p.items);
        if (p.items.length === 0 || all.length >= p.total) break;
      }
      downloadCsv(
        "category-overrides.csv",
        ["pattern", "action", "category", "reason", "decided_by", "created_at"],
        all.map((o) => [o.pattern, o.action, o.category, o.reason, o.decidedBy, o.createdAt]),
      );
    } catch (err) {
      // The form's banner shows the last failure, of a save or of an export.
      save.reset();
      setExportError(err);
    } finally {
      setExporting(false);
    }
  }
  return (
    <div className="panel">
      <div className="section-head">
        <h2 className="section-title">{t("categoryDb.overridesTitle")}</h2>
        <button type="button" className="btn" disabled={total === 0 || exporting} onClick={() => void exportCsv()}>
          {t("categoryDb.exportCsv")}
        </button>
      </div>
      <p className="muted">{t("categoryDb.overridesLead")}</p>
      <Notice text={notice} />
      {/* The search shows once there is something to search; the list under it says when nothing matches. */}
      <WhenLoaded of={list} isEmpty={(d) => d.total === 0 && !q} empty={t("categoryDb.noOverrides")}>
        {() => (
          <>
            <form
              className="filters"
              role="search"
              onSubmit={(e) => {
                e.preventDefault();
                setQuery({ q: search.trim(), offset: undefined }, { replace: true });
              }}
            >
              <TextField label={t("common.search")} hint={t("categoryDb.searchHint")} type="search" value={search} onValue={setSearch} spellCheck={false} />
            </form>
            <PagedList<CategoryOverride>
              list={list}
              caption={t("categoryDb.overridesTitle")}
              empty={t("common.noMatches")}
              offset={offset}
              limit={OVERRIDES_PER_PAGE}
              onOffset={(o) => setQuery({ offset: o || undefined })}
              rowKey={(o) => o.id}
              columns={[
                { key: "pattern", header: t("categoryDb.pattern"), cell: (o) => <span className="mono">{o.pattern}</span> },
                { key: "action", header: t("categoryDb.action"), cell: (o) => (o.action === "add" ? t("categoryDb.actionAdd") : t("categoryDb.actionRemove")) },
                { key: "category", header: t("categoryDb.category"), cell: (o) => cats.name(o.category) },
                { key: "reason", header: t("categoryDb.reason"), cell: (o) => o.reason },
                { key: "by", header: t("categoryDb.decidedBy"), cell: (o) => `${o.decidedBy}, ${formatDateTime(o.createdAt)}` },
                ...(writable
                  ? [
                      {
                        key: "actions",
                        header: t("common.actions"),
                        cell: (o: CategoryOverride) => (
                          <button type="button" className="btn btn-danger-outline" aria-label={t("categoryDb.deleteOverrideOf", { pattern: o.pattern })} onClick={() => setToDelete(o)}>
                            {t("common.delete")}
                          </button>
                        ),
                      },
                    ]
                  : []),
              ]}
            />
          </>
        )}
      </WhenLoaded>
      {writable && (
        <form ref={form} onSubmit={(e) => void add(e)} noValidate className="override-form">
          <h3 className="small-title">{t("categoryDb.newOverride")}</h3>
          <div className="grid-2">
            <SelectField
              label={t("categoryDb.action")}
              value={action}
              onValue={(v) => setAction(v as "add" | "remove")}
              options={[
                { value: "add", label: t("categoryDb.actionAdd") },
                { value: "remove", label: t("categoryDb.actionRemove") },
              ]}
            />
            <SelectField
              label={t("categoryDb.category")}
              value={category}
              onValue={setCategory}
              required
              error={save.fields["/category"]}
              path="/category"
              options={[{ value: "", label: t("common.choose") }, ...cats.list.map((c) => ({ value: c.id, label: cats.name(c.id) }))]}
            />
          </div>
          <TextField label={t("categoryDb.pattern")} hint={t("categoryDb.patternHint")} value={pattern} onValue={setPattern} required error={save.fields["/pattern"]} path="/pattern" spellCheck={false} />
          <TextField label={t("categoryDb.reason")} hint={t("categoryDb.reasonHint")} value={reason} onValue={setReason} required error={save.fields["/reason"]} path="/reason" />
          {floor && (
            <div className="notice notice-warn" role="alert">
              <p>
                <strong>{t("categoryDb.floorTitle")}</strong>
              </p>
              <p>{t("categoryDb.floorText")}</p>
            </div>
          )}
          <FormActions submit={save} problem={(floor ? undefined : save.problem) ?? exportError} label={t("categoryDb.saveOverride")} />
        </form>
      )}
      <Confirm
        title={t("categoryDb.deleteOverrideTitle")}
        message={toDelete ? t("categoryDb.deleteOverrideText", { pattern: toDelete.pattern, category: cats.name(toDelete.category) }) : ""}
        confirmLabel={t("common.delete")}
        open={toDelete !== null}
        onConfirm={() => void remove()}
        onCancel={() => setToDelete(null)}
      >
        {deleteError !== undefined && <ProblemMessage error={deleteError} />}
      </Confirm>
    </div>
  );
}

function Sources() {
  const { t } = useTranslation();
  const r = useLoad((s) => categories.sources(s), []);
  return (
    <div className="panel">
      <h2 className="section-title">{t("categoryDb.sourcesTitle")}</h2>
      <WhenLoaded of={r} isEmpty={(d) => d.length === 0} empty={t("categoryDb.noSources")}>
        {(sources) => (
          <Table<CategorySource>
            caption={t("categoryDb.sourcesTitle")}
            rows={sources}
            rowKey={(s) => s.name}
            columns={[
              { key: "name", header: t("categoryDb.sourceName"), cell: (s) => <span className="mono">{s.name}</span> },
              { key: "version", header: t("categoryDb.version"), cell: (s) => s.version },
              { key: "fetched", header: t("categoryDb.fetched"), cell: (s) => formatDate(s.fetched) },
              { key: "licence", header: t("categoryDb.licence"), cell: (s) => s.licence },
              { key: "entries", header: t("categoryDb.entries"), className: "num", cell: (s) => formatNumber(s.entries) },
              { key: "imported", header: t("categoryDb.imported"), cell: (s) => `${s.importedBy}, ${formatDateTime(s.importedAt)}` },
            ]}
          />
        )}
      </WhenLoaded>
    </div>
  );
}
