/**
 * The public re-categorisation request (reached from a block page, no account): the blocked host, the block
 * page's reference, what is asked (re-categorise or unblock) and why. The answer is a number and a status
 * token — the only way to read the decision later, on this same page.
 */
import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { LanguageSwitch } from "../../layout.js";
import { useSubmit, useTitle } from "../../hooks.js";
import { ProblemMessage } from "../../components/states.js";
import { FormActions } from "../../components/form-actions.js";
import { TextField } from "../../components/fields.js";
import { formatDate, formatDateTime } from "../../i18n/format.js";
import { recategorisation } from "../applications/api.js";
import { RecategorisationDocument } from "../../../../src/contract/applications.js";
import { SchemaFields } from "../applications/schema-form.js";
import { buildDocument, emptyDraft, type Draft } from "../applications/document-draft.js";

function StatusLookup({ initial }: { initial: string }) {
  const { t } = useTranslation();
  const [token, setToken] = useState(initial);
  const [status, setStatus] = useState<Awaited<ReturnType<typeof recategorisation.status>>>();
  const [problem, setProblem] = useState<unknown>();
  async function look(e: FormEvent) {
    e.preventDefault();
    setProblem(undefined);
    try {
      setStatus(await recategorisation.status(token.trim()));
    } catch (err) {
      setStatus(undefined);
      setProblem(err);
    }
  }
  return (
    <section aria-labelledby="st-h" className="panel">
      <h2 id="st-h">{t("recat.statusTitle")}</h2>
      <form onSubmit={look} className="filters">
        <TextField label={t("recat.token")} value={token} onValue={setToken} className="mono" autoComplete="off" />
        <button type="submit" className="btn">
          {t("recat.check")}
        </button>
      </form>
      {problem !== undefined && <ProblemMessage error={problem} />}
      {status && (
        <p role="status">
          {t("recat.statusText", { number: status.number, host: status.host, state: t(`appState.${status.state}`), when: formatDateTime(status.submittedAt) })}
          {status.decision && ` ${t("recat.decision", { outcome: t(`appOption.${status.decision.outcome}`), reason: status.decision.reason })}`}
        </p>
      )}
    </section>
  );
}

export function RecategorisationPage() {
  const { t } = useTranslation();
  useTitle(t("recat.title"));
  const params = new URLSearchParams(location.search);
  const [draft, setDraft] = useState<Draft>(() => {
    const d = emptyDraft(RecategorisationDocument) as Record<string, Draft>;
    return { ...d, host: params.get("host") ?? "", referenceId: params.get("ref") ?? "", url: params.get("url") ?? "" };
  });
  const [result, setResult] = useState<Awaited<ReturnType<typeof recategorisation.submit>>>();
  const form = useRef<HTMLFormElement>(null);
  const request = useSubmit(form);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const built = buildDocument(RecategorisationDocument, draft, t, "");
    if (request.invalid(built.errors)) return;
    await request.run(async () => setResult(await recategorisation.submit(built.value as Record<string, unknown>)));
  }
  return (
    <div className="login-screen public-page">
      <header className="login-top">
        <LanguageSwitch />
      </header>
      <main id="main" className="login-card wide">
        <h1>{t("recat.title")}</h1>
        <p className="lead">{t("recat.lead")}</p>
        {result ? (
          <div className="notice notice-ok" role="status">
            <p>{t("recat.sent", { number: result.number, due: formatDate(result.dueDate) })}</p>
            <p>{t("recat.keepToken")}</p>
            <p className="mono token">{result.statusToken}</p>
          </div>
        ) : (
          <form ref={form} onSubmit={submit} noValidate className="form">
            <SchemaFields schema={RecategorisationDocument} value={draft} onChange={setDraft} errors={request.fields} path="" />
            <FormActions submit={request} problem={request.error} label={t("recat.submit")} />
          </form>
        )}
        <StatusLookup key={result?.statusToken ?? ""} initial={result?.statusToken ?? params.get("token") ?? ""} />
      </main>
    </div>
  );
}
