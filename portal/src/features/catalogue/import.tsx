/**
 * Catalogue CSV import (p.13). The file is checked whole: one bad row and nothing is written, and every
 * row error comes back with its line and column, shown here next to the line itself. The text can be
 * fixed in place (or a corrected file chosen) and checked again; "Check" is a dry run, "Import" writes.
 * Replace mode also removes the operator's prefixes missing from the file, so it asks first.
 */
import { useId, useRef, useState, type ChangeEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, type RowError } from "../../api/client.js";
import { catalogue, type ImportSummary } from "../../api/resources.js";
import { useAccount } from "../../session.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { ProblemMessage } from "../../components/states.js";
import { TextArea } from "../../components/fields.js";
import { EntitySelect } from "../../components/names.js";
import { Confirm } from "../../components/dialog.js";
import { formatNumber } from "../../i18n/format.js";
import { isKnownCode } from "./codes.js";

const MAX_BYTES = 16 * 1024 * 1024;

export function CatalogueImportPage() {
  const { t } = useTranslation();
  const account = useAccount();
  const sts = account.role !== "operator_staff";
  const fileId = useId();
  const [fileName, setFileName] = useState("");
  const [text, setText] = useState("");
  const [mode, setMode] = useState<"merge" | "replace">("merge");
  const [operatorId, setOperatorId] = useState("");
  const [busy, setBusy] = useState<"check" | "import" | null>(null);
  const [summary, setSummary] = useState<ImportSummary>();
  const [rowErrors, setRowErrors] = useState<RowError[]>([]);
  const [checkedText, setCheckedText] = useState<string>();
  const [problem, setProblem] = useState<unknown>();
  const [fieldError, setFieldError] = useState<string>();
  const [confirmReplace, setConfirmReplace] = useState(false);
  const errorsHeading = useRef<HTMLHeadingElement>(null);
  const resultRef = useRef<HTMLDivElement>(null);

  async function pick(e: ChangeEvent<HTMLInputElement>) {
    const f = e.target.files?.[0];
    if (!f) return;
    reset();
    if (f.size > MAX_BYTES) {
      setFieldError(t("import.tooLarge"));
      return;
    }
    setFileName(f.name);
    setText(await f.text());
  }

  function reset() {
    setSummary(undefined);
    setRowErrors([]);
    setProblem(undefined);
    setFieldError(undefined);
  }

  async function run(dryRun: boolean) {
    reset();
    if (!text.trim()) {
      setFieldError(t("import.noFile"));
      return;
    }
    if (sts && !operatorId) {
      setProblem(new ApiError(400, "QQ_ERR_VALIDATION", "", t("import.chooseOperator")));
      return;
    }
    setBusy(dryRun ? "check" : "import");
    try {
      const r = await catalogue.import(text, { dryRun, mode, ...(sts ? { operatorId } : {}) });
      setSummary(r);
      setCheckedText(text);
      requestAnimationFrame(() => resultRef.current?.focus());
    } catch (e) {
      if (e instanceof ApiError && e.rowErrors.length) {
        setRowErrors(e.rowErrors);
        setCheckedText(text);
        requestAnimationFrame(() => errorsHeading.current?.focus());
      } else setProblem(e);
    } finally {
      setBusy(null);
    }
  }

  const lines = (checkedText ?? "").replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  const lineCount = text.replace(/(\r\n|\n|\r)$/, "").split(/\r\n|\n|\r/).length;
  const changedSinceCheck = checkedText !== undefined && checkedText !== text;
  return (
    <section>
      <PageHeader title={t("import.title")} lead={t("import.lead")}>
        <Link to="/catalogue" className="btn">
          {t("common.backToList")}
        </Link>
      </PageHeader>
      <details className="help">
        <summary>{t("import.formatTitle")}</summary>
        <p>{t("import.format")}</p>
        <pre className="mono">prefix,organisation_bin,operator_bin,contract_number,note{"\n"}10.20.0.0/16,123456789012,210987654321,A-1,"HQ, floor 2"</pre>
      </details>
      <div className="form">
        {sts && <EntitySelect kind="operator" label={t("common.operator")} value={operatorId} onValue={setOperatorId} required />}
        <div className={`field${fieldError ? " field-invalid" : ""}`}>
          <label htmlFor={fileId}>{t("import.file")}</label>
          <input id={fileId} type="file" accept=".csv,text/csv,text/plain" onChange={(e) => void pick(e)} aria-describedby={fieldError ? `${fileId}-error` : `${fileId}-hint`} aria-invalid={fieldError ? true : undefined} />
          <p className="hint" id={`${fileId}-hint`}>
            {fileName ? t("import.loaded", { name: fileName, count: lineCount }) : t("import.fileHint")}
          </p>
          {fieldError && (
            <p className="error" id={`${fileId}-error`}>
              {fieldError}
            </p>
          )}
        </div>
        <TextArea label={t("import.content")} hint={t("import.contentHint")} rows={8} className="mono" spellCheck={false} value={text} onValue={setText} />
        <fieldset className="radios">
          <legend>{t("import.mode")}</legend>
          <label>
            <input type="radio" name="mode" value="merge" checked={mode === "merge"} onChange={() => setMode("merge")} /> {t("import.merge")}
          </label>
          <label>
            <input type="radio" name="mode" value="replace" checked={mode === "replace"} onChange={() => setMode("replace")} /> {t("import.replace")}
          </label>
        </fieldset>
        <div className="form-actions">
          <button type="button" className="btn" disabled={busy !== null} onClick={() => void run(true)}>
            {t("import.check")}
          </button>
          <button type="button" className="btn btn-primary" disabled={busy !== null} onClick={() => (mode === "replace" ? setConfirmReplace(true) : void run(false))}>
            {t("import.submit")}
          </button>
        </div>
      </div>

      <div aria-live="polite" className="import-status">
        {busy && (
          <p className="state state-loading">
            <progress aria-label={busy === "check" ? t("import.checking") : t("import.importing")} /> {busy === "check" ? t("import.checking") : t("import.importing")}
          </p>
        )}
      </div>
      {problem !== undefined && <ProblemMessage error={problem} />}
      {summary && (
        <div ref={resultRef} tabIndex={-1} className={`notice ${summary.dryRun ? "" : "notice-ok"}`} role="status">
          <p>
            <strong>{summary.dryRun ? t("import.dryRunOk") : t("import.done")}</strong>
          </p>
          <p>
            {t("import.summary", {
              created: formatNumber(summary.created),
              updated: formatNumber(summary.updated),
              unchanged: formatNumber(summary.unchanged),
              removed: formatNumber(summary.removed),
            })}
          </p>
        </div>
      )}
      {rowErrors.length > 0 && (
        <section className="row-errors" aria-labelledby="row-errors-title">
          <h2 id="row-errors-title" ref={errorsHeading} tabIndex={-1}>
            {t("import.rowErrors", { count: rowErrors.length })}
          </h2>
          <p>{changedSinceCheck ? t("import.changedSinceCheck") : t("import.fixHint")}</p>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t("import.rowErrors", { count: rowErrors.length })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("import.line")}</th>
                  <th scope="col">{t("import.column")}</th>
                  <th scope="col">{t("import.problem")}</th>
                  <th scope="col">{t("import.row")}</th>
                </tr>
              </thead>
              <tbody>
                {rowErrors.map((e, i) => (
                  <tr key={`${e.line}-${i}`} className="row-error" data-line={e.line}>
                    <td className="num">{e.line === 0 ? t("import.wholeFile") : formatNumber(e.line)}</td>
                    <td className="mono">{e.column ?? "—"}</td>
                    <td>
                      {isKnownCode(e.code) && <strong>{t(`csvError.${e.code}`)}</strong>}
                      <span className="detail">{e.message}</span>
                    </td>
                    <td>
                      <code>{e.line > 0 ? lines[e.line - 1] ?? "" : ""}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <Confirm
        open={confirmReplace}
        title={t("import.replaceTitle")}
        message={t("import.replaceConfirm")}
        confirmLabel={t("import.replaceSubmit")}
        onCancel={() => setConfirmReplace(false)}
        onConfirm={() => {
          setConfirmReplace(false);
          void run(false);
        }}
      />
    </section>
  );
}
