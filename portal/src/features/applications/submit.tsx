/**
 * Submitting an application of the Rules: the kind, the fields of its Appendix (generated from the contract
 * schema), and — where the Rules ask for the EDS of the legal entity (p.15, p.15-2) or allow it — the exact
 * bytes to sign (POST /api/applications/canonical: the canonical JSON of the document) and the detached
 * CMS signature file made over them. STS staff registering an application received by official letter name
 * the applicant. Validation messages appear next to their field, from the form or from the API.
 */
import { useMemo, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useAccount } from "../../session.js";
import { navigate, setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { FormActions } from "../../components/form-actions.js";
import { SelectField } from "../../components/fields.js";
import { EntitySelect } from "../../components/names.js";
import { formatNumber } from "../../i18n/format.js";
import { useSubmit } from "../../hooks.js";
import type { ApiError } from "../../api/client.js";
import { applications, incidents, type Canonical, type SubmitBody } from "./api.js";
import { DOCUMENTS, FORM_KINDS, IncidentDocument, WORKFLOWS, type ApplicationKind } from "./vocabulary.js";
import { base64, fileBytes } from "./files.js";
import { SchemaFields } from "./schema-form.js";
import { buildDocument, emptyDraft, type Draft } from "./document-draft.js";
import { localParagraph } from "./paragraph.js";

/** A detached signature file as the API takes it: PEM text as is, DER as base64. */
async function signatureOf(file: File): Promise<string> {
  const bytes = await fileBytes(file);
  const head = new TextDecoder().decode(bytes.subarray(0, 64));
  return head.includes("-----BEGIN") ? new TextDecoder().decode(bytes) : base64(bytes);
}

/**
 * The API's refusal by field. The request's schema names body pointers (`/document/networks/1`); the
 * workflow's own checks name pointers into the document (`/requestedUntil`); addresses outside the
 * catalogue (p.13, p.15) belong to the networks field.
 */
function fieldErrorsOf(err: ApiError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(err.byPath())) {
    const key = path === "/organisationId" || path === "/operatorId" ? "/applicant" : path === "/signature" || path.startsWith("/document") ? path : `/document${path}`;
    out[key] ??= message;
  }
  if (err.code === "QQ_ERR_NOT_IN_CATALOGUE") out["/document/networks"] = err.detail;
  if (err.code === "QQ_ERR_EDS_SIGNATURE" || err.code === "QQ_ERR_EDS_SIGNATURE_REQUIRED") out["/signature"] = err.detail || err.title;
  return out;
}

type Applicant = "organisation" | "operator";

function applicantOf(kind: ApplicationKind, preferred: Applicant): Applicant {
  const a = WORKFLOWS[kind].applicant;
  return a === "operator" ? "operator" : a === "organisation-or-operator" ? preferred : "organisation";
}

/** The kinds a role submits: organisations theirs, operators theirs, STS any (on an applicant's behalf). */
function kindsFor(role: string): ApplicationKind[] {
  if (role === "organisation_staff") return FORM_KINDS.filter((k) => WORKFLOWS[k].applicant !== "operator");
  if (role === "operator_staff") return FORM_KINDS.filter((k) => WORKFLOWS[k].applicant === "operator" || WORKFLOWS[k].applicant === "organisation-or-operator");
  return [...FORM_KINDS];
}

export function SubmitPage() {
  const { t } = useTranslation();
  const account = useAccount();
  const { query } = useLocation();
  const kinds = kindsFor(account.role);
  const kind = (kinds.find((k) => k === query.get("kind")) ?? "") as ApplicationKind | "";
  return (
    <section>
      <PageHeader title={t("apps.new")} lead={t("apps.newLead")}>
        <Link to="/applications" className="btn">
          {t("common.backToList")}
        </Link>
      </PageHeader>
      <SelectField label={t("apps.kind")} value={kind} onValue={(v) => setQuery({ kind: v }, { replace: true })} options={[{ value: "", label: t("common.choose") }, ...kinds.map((k) => ({ value: k, label: `${t(`appKind.${k}`)} (${localParagraph(t, WORKFLOWS[k].paragraph)})` }))]} />
      {kind && <DocumentForm key={kind} kind={kind} />}
    </section>
  );
}

export function IncidentReportPage() {
  const { t } = useTranslation();
  return (
    <section>
      <PageHeader title={t("incidents.report")} lead={t("incidents.reportLead")}>
        <Link to="/incidents" className="btn">
          {t("common.backToList")}
        </Link>
      </PageHeader>
      <DocumentForm kind="incident" />
    </section>
  );
}

function DocumentForm({ kind }: { kind: ApplicationKind }) {
  const { t } = useTranslation();
  const account = useAccount();
  const schema = kind === "incident" ? IncidentDocument : DOCUMENTS[kind];
  const def = WORKFLOWS[kind];
  const sts = account.role !== "organisation_staff" && account.role !== "operator_staff";
  const [draft, setDraft] = useState<Draft>(() => emptyDraft(schema));
  const form = useRef<HTMLFormElement>(null);
  const submission = useSubmit(form, fieldErrorsOf);
  const [bytesProblem, setBytesProblem] = useState<unknown>();
  const [canonical, setCanonical] = useState<Canonical & { of: string }>();
  const [signature, setSignature] = useState<{ name: string; value: string }>();
  const [preferred, setPreferred] = useState<Applicant>("organisation");
  const [applicantId, setApplicantId] = useState("");
  const applicant = applicantOf(kind, preferred);
  const built = useMemo(() => buildDocument(schema, draft, t), [schema, draft, t]);
  const stale = canonical !== undefined && canonical.of !== JSON.stringify(built.value);
  const signatureAsked = def.signature !== "none";

  // The bytes to sign pass the form's checks and share its banner, but fetching them is no submission: the
  // submit button stays enabled, and a refusal stays in the banner rather than on the fields.
  async function showBytes() {
    setBytesProblem(undefined);
    if (submission.invalid(built.errors)) return;
    try {
      const c = await applications.canonical(kind, built.value as Record<string, unknown>);
      setCanonical({ ...c, of: JSON.stringify(built.value) });
    } catch (e) {
      setBytesProblem(e);
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBytesProblem(undefined);
    const m = { ...built.errors };
    if (sts && kind !== "incident" && !applicantId) m["/applicant"] = t("validation.required");
    if (def.signature === "required" && !signature) m["/signature"] = t("apps.signatureRequired");
    if (submission.invalid(m)) return;
    const body: SubmitBody = { document: built.value as Record<string, unknown> };
    if (signature) body.signature = signature.value;
    if (sts && applicantId) body[applicant === "operator" ? "operatorId" : "organisationId"] = applicantId;
    await submission.run(async () => {
      const a = kind === "incident" ? await incidents.report(body) : await applications.submit(kind, body);
      navigate(`/applications/${a.id}`);
    });
  }

  return (
    <form ref={form} onSubmit={submit} noValidate className="form">
      <p className="lead">{t("apps.formLead", { paragraph: localParagraph(t, def.paragraph) })}</p>
      {sts && kind !== "incident" && (
        <div className="grid-2">
          {def.applicant === "organisation-or-operator" && (
            <SelectField label={t("apps.applicantType")} value={preferred} onValue={(v) => { setPreferred(v as Applicant); setApplicantId(""); }} options={[{ value: "organisation", label: t("common.organisation") }, { value: "operator", label: t("common.operator") }]} />
          )}
          <EntitySelect key={applicant} kind={applicant} label={t("apps.applicant")} value={applicantId} onValue={setApplicantId} error={submission.fields["/applicant"]} path="/applicant" required />
        </div>
      )}
      <SchemaFields schema={schema} value={draft} onChange={setDraft} errors={submission.fields} />
      {signatureAsked && (
        <fieldset className="field-group">
          <legend>{t("apps.signature")}</legend>
          <p className="hint">{def.signature === "required" ? t("apps.signatureRequiredHint") : t("apps.signatureOptionalHint")}</p>
          <button type="button" className="btn" onClick={() => void showBytes()}>
            {t("apps.showBytes")}
          </button>
          {canonical && (
            <div className="canonical" aria-live="polite">
              {stale && <p className="problem">{t("apps.bytesStale")}</p>}
              <p>
                {t("apps.bytesInfo", { n: formatNumber(canonical.bytes) })} <span className="mono">SHA-256 {canonical.sha256}</span>
              </p>
              <pre className="canonical-bytes" data-testid="canonical" tabIndex={0} aria-label={t("apps.bytesToSign")}>
                {canonical.canonical}
              </pre>
              <a className="btn" download={`${kind}.json`} href={`data:application/json;charset=utf-8,${encodeURIComponent(canonical.canonical)}`}>
                {t("apps.downloadBytes")}
              </a>
            </div>
          )}
          <div className={`field${submission.fields["/signature"] ? " field-invalid" : ""}`}>
            <label htmlFor="sig-file">{t("apps.signatureFile")}</label>
            <input
              id="sig-file"
              type="file"
              accept=".p7s,.cms,.sig,.pem,.der"
              data-path="/signature"
              aria-invalid={submission.fields["/signature"] ? true : undefined}
              aria-describedby={submission.fields["/signature"] ? "sig-hint sig-error" : "sig-hint"}
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void signatureOf(f).then((value) => setSignature({ name: f.name, value }));
                else setSignature(undefined);
              }}
            />
            <p className="hint" id="sig-hint">
              {signature ? t("apps.signatureChosen", { name: signature.name }) : t("apps.signatureFileHint")}
            </p>
            {submission.fields["/signature"] && (
              <p className="error" id="sig-error">
                {submission.fields["/signature"]}
              </p>
            )}
          </div>
        </fieldset>
      )}
      <FormActions submit={submission} problem={submission.error ?? bytesProblem} label={kind === "incident" ? t("incidents.send") : t("apps.submit")} />
    </form>
  );
}
