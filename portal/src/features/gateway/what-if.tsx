/**
 * The what-if policy simulator: for a source address and a URL (or host and port), what the gateway would
 * decide now and why — every stage of the pipeline with its outcome and rule, the categories with their
 * list sources and versions, and the policy snapshot the answer comes from. Scoped roles simulate only
 * sources of their own organisations (the API refuses others).
 */
import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSubmit } from "../../hooks.js";
import { PageHeader } from "../../components/page.js";
import { ProblemMessage } from "../../components/states.js";
import { FormActions } from "../../components/form-actions.js";
import { SelectField, TextField } from "../../components/fields.js";
import { Table } from "../../components/table.js";
import { localName, useNames } from "../../components/names.js";
import { gateway, type TraceStep, type WhatIf } from "./api.js";
import { reasonLabel } from "./reasons.js";
import { useCategories } from "../categories/names.js";

export function WhatIfPage() {
  const { t } = useTranslation();
  const [sourceIp, setSourceIp] = useState("");
  const [mode, setMode] = useState<"url" | "host">("url");
  const [url, setUrl] = useState("");
  const [host, setHost] = useState("");
  const [port, setPort] = useState("443");
  const [result, setResult] = useState<WhatIf>();
  const form = useRef<HTMLFormElement>(null);
  const simulation = useSubmit(form);
  const out = useRef<HTMLDivElement>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = mode === "url" ? { sourceIp: sourceIp.trim(), url: url.trim() } : { sourceIp: sourceIp.trim(), host: host.trim(), port: Number(port) || 443 };
    const ok = await simulation.run(async () => {
      setResult(await gateway.whatIf(body));
      requestAnimationFrame(() => out.current?.focus());
    });
    if (!ok) setResult(undefined);
  }
  return (
    <section>
      <PageHeader title={t("whatIf.title")} lead={t("whatIf.lead")} />
      <form ref={form} className="panel" onSubmit={(e) => void submit(e)} noValidate>
        <div className="grid-2">
          <TextField label={t("whatIf.sourceIp")} hint={t("whatIf.sourceIpHint")} value={sourceIp} onValue={setSourceIp} error={simulation.fields["/sourceIp"]} path="/sourceIp" required spellCheck={false} autoComplete="off" />
          <SelectField
            label={t("whatIf.destination")}
            value={mode}
            onValue={(v) => setMode(v as "url" | "host")}
            options={[
              { value: "url", label: t("whatIf.byUrl") },
              { value: "host", label: t("whatIf.byHost") },
            ]}
          />
        </div>
        {mode === "url" ? (
          <TextField label={t("whatIf.url")} hint={t("whatIf.urlHint")} value={url} onValue={setUrl} error={simulation.fields["/url"]} path="/url" required type="url" spellCheck={false} />
        ) : (
          <div className="grid-2">
            <TextField label={t("whatIf.host")} value={host} onValue={setHost} error={simulation.fields["/host"]} path="/host" required spellCheck={false} />
            <TextField label={t("whatIf.port")} value={port} onValue={setPort} error={simulation.fields["/port"]} path="/port" inputMode="numeric" required />
          </div>
        )}
        {/* the banner is announced with the result, in the live region below */}
        <FormActions submit={simulation} problem={undefined} label={t("whatIf.run")} busyLabel={t("whatIf.running")} />
      </form>
      <div ref={out} tabIndex={-1} aria-live="polite">
        {simulation.problem !== undefined && <ProblemMessage error={simulation.problem} />}
        {result && <Result r={result} />}
      </div>
    </section>
  );
}

function Result({ r }: { r: WhatIf }) {
  const { t } = useTranslation();
  const cats = useCategories();
  const orgs = useNames("organisation", [r.organisationId]);
  const allowed = r.verdict.action === "allow";
  const tls = r.verdict.tls === "bump" ? t("whatIf.tlsBump") : r.verdict.tls === "splice" ? t("whatIf.tlsSplice") : null;
  return (
    <div className="panel whatif-result" data-verdict={r.verdict.action}>
      <h2 className="small-title">{t("whatIf.result")}</h2>
      <p className={allowed ? "verdict verdict-allow" : "verdict verdict-block"}>
        <strong>{allowed ? t("whatIf.allowed") : t("whatIf.blocked")}</strong> · {reasonLabel(t, r.verdict.reason)}
        {tls && <> · {tls}</>}
      </p>
      <dl className="facts">
        <dt>{t("whatIf.rule")}</dt>
        <dd className="mono">{r.verdict.rule}</dd>
        <dt>{t("common.organisation")}</dt>
        <dd>{r.organisationId ? localName(orgs[r.organisationId]) : r.unknownSource ? t("whatIf.unknownSource") : "—"}</dd>
        <dt>{t("whatIf.categories")}</dt>
        <dd>
          {r.categories.length ? r.categories.map((c) => cats.name(c)).join(", ") : t("whatIf.uncategorised")}
          {r.protected && <span className="badge badge-protected">{t("categoryDb.protected")}</span>}
        </dd>
        <dt>{t("whatIf.sources")}</dt>
        <dd className="mono">{r.categorySources.length ? r.categorySources.join(", ") : "—"}</dd>
        <dt>{t("whatIf.snapshot")}</dt>
        <dd className="mono">{r.snapshotId}</dd>
      </dl>
      <h3 className="small-title">{t("whatIf.trace")}</h3>
      <Table<TraceStep & { i: number }>
        caption={t("whatIf.trace")}
        rows={r.trace.map((s, i) => ({ ...s, i }))}
        rowKey={(s) => String(s.i)}
        columns={[
          { key: "n", header: "#", className: "num", cell: (s) => s.i + 1 },
          { key: "stage", header: t("whatIf.stage"), cell: (s) => <span className="mono">{s.stage}</span> },
          { key: "outcome", header: t("whatIf.outcome"), cell: (s) => <span className="mono">{s.outcome}</span> },
          { key: "rule", header: t("whatIf.rule"), cell: (s) => (s.rule ? <span className="mono">{s.rule}</span> : "—") },
        ]}
      />
    </div>
  );
}
