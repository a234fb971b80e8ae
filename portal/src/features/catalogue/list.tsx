/**
 * p.13: the IP address catalogue — prefixes of organisations, connected through telecom operators. Operators
 * keep it current (add, import), STS may correct it, everyone in scope reads it.
 */
import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { parsePrefix } from "../../../../src/domain/catalogue/prefix.js";
import type { ApiError } from "../../api/client.js";
import { catalogue, type CataloguePrefix, type LookupResult } from "../../api/resources.js";
import { useLoad, useSubmit } from "../../hooks.js";
import { useAccount, useCan } from "../../session.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { PagedList } from "../../components/table.js";
import { ProblemMessage, Notice } from "../../components/states.js";
import { FormActions } from "../../components/form-actions.js";
import { TextField } from "../../components/fields.js";
import { Confirm } from "../../components/dialog.js";
import { EntitySelect, localName, useNames } from "../../components/names.js";
import { formatDateTime } from "../../i18n/format.js";
import { HistoryDrawer } from "./history.js";

const LIMIT = 20;

/** The API's refusal by field: an overlap or a duplicate is the prefix's, a conflict (no active contract with the operator, p.4) the organisation's. */
function fieldErrorsOf(err: ApiError): Record<string, string> {
  if (err.fieldErrors.length) return err.byPath();
  if (err.code === "QQ_ERR_CATALOGUE_OVERLAP" || err.code === "QQ_ERR_DUPLICATE") return { "/prefix": err.detail };
  return err.code === "QQ_ERR_CONFLICT" ? { "/organisationId": err.detail } : {};
}

export function CataloguePage() {
  const { t } = useTranslation();
  const can = useCan();
  const { query } = useLocation();
  const organisationId = query.get("organisationId") ?? "";
  const operatorId = query.get("operatorId") ?? "";
  const within = query.get("within") ?? "";
  const offset = Number(query.get("offset") ?? 0) || 0;
  const [withinDraft, setWithinDraft] = useState(within);
  const list = useLoad(
    (signal) => catalogue.list({ organisationId: organisationId || undefined, operatorId: operatorId || undefined, within: within || undefined, limit: LIMIT, offset }, signal),
    [organisationId, operatorId, within, offset],
  );
  const items = list.data?.items ?? [];
  const orgs = useNames("organisation", items.map((p) => p.organisationId));
  const ops = useNames("operator", items.map((p) => p.operatorId));
  const [history, setHistory] = useState<CataloguePrefix | null>(null);
  const [toDelete, setToDelete] = useState<CataloguePrefix | null>(null);
  const deletion = useSubmit();
  const [notice, setNotice] = useState("");
  const writable = can("catalogue.write");

  async function remove() {
    if (!toDelete) return;
    await deletion.run(async () => {
      await catalogue.remove(toDelete.id);
      setNotice(t("catalogue.deleted", { prefix: toDelete.prefix }));
      setToDelete(null);
      list.reload();
    });
  }

  return (
    <section>
      <PageHeader title={t("catalogue.title")} lead={t("catalogue.lead")}>
        <a className="btn" href={catalogue.exportUrl(operatorId || undefined)} download="catalogue.csv">
          {t("catalogue.export")}
        </a>
        {writable && (
          <Link to="/catalogue/import" className="btn btn-primary">
            {t("catalogue.import")}
          </Link>
        )}
      </PageHeader>
      <Notice text={notice} />
      <div className="panels">
        {writable && <AddPrefix onAdded={(p) => (setNotice(t("catalogue.added", { prefix: p.prefix })), list.reload())} />}
        <Lookup />
      </div>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ within: withinDraft.trim(), offset: undefined });
        }}
      >
        <EntitySelect kind="organisation" label={t("common.organisation")} value={organisationId} onValue={(v) => setQuery({ organisationId: v, offset: undefined })} allowEmpty emptyLabel={t("common.all")} />
        <EntitySelect kind="operator" label={t("common.operator")} value={operatorId} onValue={(v) => setQuery({ operatorId: v, offset: undefined })} allowEmpty emptyLabel={t("common.all")} />
        <TextField label={t("catalogue.within")} hint={t("catalogue.withinHint")} value={withinDraft} onValue={setWithinDraft} />
        <button type="submit" className="btn">
          {t("common.apply")}
        </button>
      </form>
      <PagedList<CataloguePrefix>
        list={list}
        caption={t("catalogue.title")}
        empty={organisationId || operatorId || within ? t("common.noMatches") : t("catalogue.empty")}
        offset={offset}
        limit={LIMIT}
        onOffset={(o) => setQuery({ offset: o || undefined })}
        rowKey={(p) => p.id}
        columns={[
          { key: "prefix", header: t("catalogue.prefix"), cell: (p) => <span className="mono">{p.prefix}</span> },
          { key: "org", header: t("common.organisation"), cell: (p) => localName(orgs[p.organisationId]) },
          { key: "op", header: t("common.operator"), cell: (p) => localName(ops[p.operatorId]) },
          { key: "note", header: t("catalogue.note"), cell: (p) => p.note ?? "" },
          { key: "updated", header: t("common.updated"), cell: (p) => formatDateTime(p.updatedAt) },
          {
            key: "actions",
            header: t("common.actions"),
            className: "actions",
            cell: (p) => (
              <>
                <button type="button" className="btn btn-small" onClick={() => setHistory(p)} aria-label={t("catalogue.historyOf", { prefix: p.prefix })}>
                  {t("catalogue.history")}
                </button>
                {writable && (
                  <button type="button" className="btn btn-small btn-danger-outline" onClick={() => (deletion.reset(), setToDelete(p))} aria-label={t("catalogue.deleteOne", { prefix: p.prefix })}>
                    {t("common.delete")}
                  </button>
                )}
              </>
            ),
          },
        ]}
      />
      <HistoryDrawer prefix={history} onClose={() => setHistory(null)} />
      <Confirm
        open={toDelete !== null}
        title={t("catalogue.deleteTitle")}
        message={t("catalogue.deleteConfirm", { prefix: toDelete?.prefix ?? "", organisation: toDelete ? localName(orgs[toDelete.organisationId]) : "" })}
        confirmLabel={t("common.delete")}
        busy={deletion.busy}
        onConfirm={() => void remove()}
        onCancel={() => setToDelete(null)}
      >
        {deletion.error !== undefined && <ProblemMessage error={deletion.error} />}
      </Confirm>
    </section>
  );
}

function AddPrefix({ onAdded }: { onAdded: (p: CataloguePrefix) => void }) {
  const { t } = useTranslation();
  const account = useAccount();
  const [prefix, setPrefix] = useState("");
  const [organisationId, setOrganisationId] = useState("");
  const [operatorId, setOperatorId] = useState(account.operatorId ?? "");
  const [note, setNote] = useState("");
  const [suggestion, setSuggestion] = useState<string>();
  const form = useRef<HTMLFormElement>(null);
  const add = useSubmit(form, fieldErrorsOf);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSuggestion(undefined);
    const m: Record<string, string> = {};
    const parsed = parsePrefix(prefix.trim());
    if (!prefix.trim()) m["/prefix"] = t("validation.required");
    else if (!parsed.ok) {
      m["/prefix"] = t(`csvError.${parsed.code}`);
      setSuggestion(parsed.suggestion);
    }
    if (!organisationId) m["/organisationId"] = t("validation.required");
    if (!operatorId) m["/operatorId"] = t("validation.required");
    if (add.invalid(m)) return;
    await add.run(async () => {
      const p = await catalogue.create({ prefix: prefix.trim(), organisationId, ...(account.role === "operator_staff" ? {} : { operatorId }), ...(note.trim() ? { note: note.trim() } : {}) });
      setPrefix("");
      setNote("");
      onAdded(p);
    });
  }

  return (
    <form ref={form} className="panel" onSubmit={submit} noValidate aria-labelledby="add-prefix-title">
      <h2 id="add-prefix-title">{t("catalogue.add")}</h2>
      <TextField label={t("catalogue.prefix")} hint={t("catalogue.prefixHint")} value={prefix} onValue={setPrefix} error={add.fields["/prefix"]} path="/prefix" className="mono" autoComplete="off" spellCheck={false} required />
      {suggestion && (
        <p className="suggestion">
          <button type="button" className="btn btn-small" onClick={() => (setPrefix(suggestion), setSuggestion(undefined), add.reset())}>
            {t("catalogue.useSuggestion", { prefix: suggestion })}
          </button>
        </p>
      )}
      <EntitySelect kind="organisation" label={t("common.organisation")} value={organisationId} onValue={setOrganisationId} error={add.fields["/organisationId"]} path="/organisationId" required />
      {account.role !== "operator_staff" && <EntitySelect kind="operator" label={t("common.operator")} value={operatorId} onValue={setOperatorId} error={add.fields["/operatorId"]} path="/operatorId" required />}
      <TextField label={t("catalogue.note")} value={note} onValue={setNote} error={add.fields["/note"]} maxLength={500} />
      <FormActions submit={add} label={t("catalogue.addSubmit")} />
    </form>
  );
}

function Lookup() {
  const { t } = useTranslation();
  const [address, setAddress] = useState("");
  const [result, setResult] = useState<LookupResult>();
  const [error, setError] = useState<unknown>();
  const org = useNames("organisation", [result?.match?.organisationId]);
  const op = useNames("operator", [result?.match?.operatorId]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setResult(undefined);
    if (!address.trim()) return;
    try {
      setResult(await catalogue.lookup(address.trim()));
    } catch (err) {
      setError(err);
    }
  }
  const m = result?.match;
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="lookup-title">
      <h2 id="lookup-title">{t("catalogue.lookup")}</h2>
      <TextField label={t("catalogue.address")} hint={t("catalogue.lookupHint")} value={address} onValue={setAddress} className="mono" spellCheck={false} />
      <div className="form-actions">
        <button type="submit" className="btn">
          {t("catalogue.lookupSubmit")}
        </button>
      </div>
      <div aria-live="polite">
        {error !== undefined && <ProblemMessage error={error} />}
        {result && !m && <p>{t("catalogue.lookupNone", { address: result.address })}</p>}
        {m && <p>{t("catalogue.lookupMatch", { address: result!.address, prefix: m.prefix, organisation: localName(org[m.organisationId]), operator: localName(op[m.operatorId]) })}</p>}
      </div>
    </form>
  );
}
