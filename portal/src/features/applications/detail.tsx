/**
 * One application: its document (secrets only named, never shown), the EDS signature check, the open
 * deadlines with their SLA timers, the timeline with the paragraph of each event, attachments, follow-up
 * tasks, and a button for exactly each event the API says the caller may record now. A refusal (409: the
 * state moved on, or the data does not allow it) is shown in the dialog with the server's reason.
 */
import { useRef, useState, type FormEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useLoad, useSubmit } from "../../hooks.js";
import { useCan } from "../../session.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { Modal } from "../../components/dialog.js";
import { Loading, ProblemMessage, Notice, WhenLoaded } from "../../components/states.js";
import { FormActions } from "../../components/form-actions.js";
import { focusFirstError } from "../../components/fields.js";
import { formatDateTime, formatNumber } from "../../i18n/format.js";
import { ApiError } from "../../api/client.js";
import { applications, type Application } from "./api.js";
import { EVENT_DATA } from "./vocabulary.js";
import { SchemaFields } from "./schema-form.js";
import { buildDocument, emptyDraft, type Draft } from "./document-draft.js";
import { SlaTimer, useDaysLeft } from "./sla.js";
import { StateBadge, useApplicants } from "./inbox.js";
import { base64, fileBytes } from "./files.js";
import { CATEGORY_FIELDS, useCategoryNames } from "./category-names.js";
import { localParagraph } from "./paragraph.js";

/** Events that end or refuse something: their button is red and the dialog asks first. */
const DESTRUCTIVE = new Set(["rejected", "withdrawn", "revoked", "disconnected", "cancelled", "disconnection-requested"]);

/** A JSON value as nested definition lists, labelled with the field names of the Appendices. */
export function DocumentView({ value, field = "" }: { value: unknown; field?: string }): ReactNode {
  const { t } = useTranslation();
  const categoryName = useCategoryNames();
  const shown = (x: unknown) => (CATEGORY_FIELDS.has(field) && typeof x === "string" ? categoryName(x) : String(x));
  if (Array.isArray(value)) {
    if (value.every((x) => typeof x !== "object" || x === null)) return <span className={CATEGORY_FIELDS.has(field) ? undefined : "mono"}>{value.map(shown).join(", ")}</span>;
    return (
      <ol className="doc-list">
        {value.map((x, i) => (
          <li key={i}>
            <DocumentView value={x} />
          </li>
        ))}
      </ol>
    );
  }
  if (value && typeof value === "object") {
    return (
      <dl className="doc">
        {Object.entries(value as Record<string, unknown>).map(([k, v]) => (
          <div key={k} className="doc-row">
            <dt>{t(`appField.${k}`, { defaultValue: k })}</dt>
            <dd>
              <DocumentView value={v} field={k} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  if (typeof value === "boolean") return <>{value ? t("apps.yes") : t("apps.no")}</>;
  const s = value === null || value === undefined ? "—" : shown(value);
  return s.includes("-----BEGIN") ? <pre className="pem">{s}</pre> : <>{s}</>;
}

/** What a deadline is for: its kind in the chosen language, or the engine's English wording of a kind the portal does not know. */
function DeadlineWhat({ kind, description }: { kind: string; description: string }) {
  const { t, i18n } = useTranslation();
  const key = `deadlineKind.${kind}`;
  return i18n.exists(key) ? <p className="deadline-what">{t(`deadlineKind.${kind}`)}</p> : <p className="deadline-what" lang="en">{description}</p>;
}

/** The data of a timeline event, without the paragraph it already shows. */
function EventData({ data }: { data: unknown }) {
  if (!data || typeof data !== "object") return null;
  const rest = Object.entries(data as Record<string, unknown>).filter(([k]) => k !== "paragraph");
  return rest.length ? <DocumentView value={Object.fromEntries(rest)} /> : null;
}

function EventDialog({ app, type, onClose, onDone }: { app: Application; type: string; onClose: () => void; onDone: (a: Application) => void }) {
  const { t } = useTranslation();
  const schema = EVENT_DATA[type];
  const [draft, setDraft] = useState<Draft>(() => (schema ? emptyDraft(schema) : {}));
  const form = useRef<HTMLFormElement>(null);
  const recording = useSubmit();
  const destructive = DESTRUCTIVE.has(type);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const built = schema ? buildDocument(schema, draft, t, "/data") : { value: {}, errors: {} };
    if (recording.invalid(built.errors)) return focusFirstError(form.current);
    await recording.run(async () => onDone(await applications.record(app.id, type, built.value as Record<string, unknown>, app.version)));
  }
  return (
    <Modal title={t(`appAction.${type}`)} open onClose={onClose}>
      <form ref={form} onSubmit={submit} noValidate className="form">
        {destructive && <p>{t("apps.confirmEvent", { event: t(`appAction.${type}`), number: app.number })}</p>}
        {schema && <SchemaFields schema={schema} value={draft} onChange={setDraft} errors={recording.fields} path="/data" />}
        {recording.error !== undefined && <ProblemMessage error={recording.error} />}
        {recording.error instanceof ApiError && recording.error.status === 409 && (
          // The application moved on (another person, another tab): read it again rather than retry blindly.
          <button type="button" className="btn" onClick={onClose}>
            {t("apps.reload")}
          </button>
        )}
        {/* the banner is above, with the reload a refusal offers */}
        <FormActions submit={recording} problem={undefined} label={t("apps.record", { event: t(`appAction.${type}`) })} danger={destructive} onCancel={onClose} focusCancel={destructive} />
      </form>
    </Modal>
  );
}

function Attachments({ app }: { app: Application }) {
  const { t } = useTranslation();
  const can = useCan();
  const list = useLoad((signal) => applications.attachments(app.id, signal), [app.id]);
  const upload = useSubmit();
  async function attach(file: File) {
    await upload.run(async () => {
      await applications.attach(app.id, { name: file.name, mediaType: file.type || "application/octet-stream", contentBase64: base64(await fileBytes(file)) });
      list.reload();
    });
  }
  return (
    <section aria-labelledby="att-h" className="panel">
      <h2 id="att-h">{t("apps.attachments")}</h2>
      <WhenLoaded of={list} isEmpty={(d) => d.length === 0} empty={t("apps.noAttachments")}>
        {(attachments) => (
          <ul className="plain-list">
            {attachments.map((a) => (
              <li key={a.id}>
                <a href={applications.attachmentUrl(app.id, a.id)} download={a.name}>
                  {a.name}
                </a>{" "}
                <span className="muted">
                  {a.mediaType} · {t("apps.bytes", { count: a.size, n: formatNumber(a.size) })} · {formatDateTime(a.createdAt)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </WhenLoaded>
      {can("application.act") && !app.final && (
        <div className="field">
          <label htmlFor="att-file">{t("apps.attach")}</label>
          <input id="att-file" type="file" accept=".pdf,.png,.jpg,.jpeg,.txt,application/pdf,image/png,image/jpeg,text/plain" disabled={upload.busy} aria-describedby="att-hint" onChange={(e) => e.target.files?.[0] && void attach(e.target.files[0])} />
          <p className="hint" id="att-hint">
            {t("apps.attachHint")}
          </p>
        </div>
      )}
      {upload.error !== undefined && <ProblemMessage error={upload.error} />}
    </section>
  );
}

export function ApplicationPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const [reload, setReload] = useState(0);
  const r = useLoad(async (signal) => ({ app: await applications.get(id, signal), timeline: await applications.timeline(id, signal) }), [id, reload]);
  const [event, setEvent] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const app = r.data?.app;
  const left = useDaysLeft(app?.deadlines.map((d) => d.dueDate) ?? []);
  const applicant = useApplicants(app ? [app] : []);
  if (r.error !== undefined) return <ProblemMessage error={r.error} onRetry={r.reload} />;
  if (!app || !r.data) return <Loading />;
  const tl = r.data.timeline;
  return (
    <section>
      <PageHeader title={`${t(`appKind.${app.kind}`)} ${app.number}`} lead={<>{applicant(app)} · <StateBadge state={app.state} /></>}>
        <Link to="/applications" className="btn">
          {t("common.backToList")}
        </Link>
      </PageHeader>
      <Notice text={notice} />
      <section aria-labelledby="act-h" className="panel">
        <h2 id="act-h">{t("apps.actions")}</h2>
        {app.allowedEvents.length === 0 ? (
          <p className="muted">{app.final ? t("apps.finalState") : t("apps.nothingToDo")}</p>
        ) : (
          <div className="button-row">
            {app.allowedEvents.map((e) => (
              <button key={e} type="button" className={`btn ${DESTRUCTIVE.has(e) ? "btn-danger" : "btn-primary"}`} onClick={() => setEvent(e)}>
                {t(`appAction.${e}`)}
              </button>
            ))}
          </div>
        )}
      </section>
      {event && (
        <EventDialog
          app={app}
          type={event}
          onClose={() => {
            setEvent(undefined);
            setReload((n) => n + 1);
          }}
          onDone={(a) => {
            setNotice(t("apps.recorded", { event: t(`appEvent.${event}`), state: t(`appState.${a.state}`) }));
            setEvent(undefined);
            setReload((n) => n + 1);
          }}
        />
      )}
      <section aria-labelledby="dl-h" className="panel">
        <h2 id="dl-h">{t("apps.deadlines")}</h2>
        {app.deadlines.length === 0 ? (
          <p className="muted">{t("apps.noDeadlines")}</p>
        ) : (
          <ul className="plain-list">
            {app.deadlines.map((d) => (
              <li key={d.kind}>
                <DeadlineWhat kind={d.kind} description={d.description} />
                <SlaTimer deadline={d} left={left[d.dueDate]} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="doc-h" className="panel">
        <h2 id="doc-h">{t("apps.document")}</h2>
        <DocumentView value={app.document} />
        {app.sealedFields.length > 0 && <p className="muted">{t("apps.sealed", { fields: app.sealedFields.map((f) => t(`appField.${f.split(".").pop()!}`)).join(", ") })}</p>}
      </section>
      <section aria-labelledby="sig-h" className="panel">
        <h2 id="sig-h">{t("apps.signature")}</h2>
        {!app.signature ? (
          <p className="muted">{t("apps.unsigned")}</p>
        ) : (
          <>
            <p className={app.signature.verified ? "notice notice-ok" : "problem"}>{app.signature.verified ? t("apps.signatureVerified", { when: formatDateTime(app.signature.verifiedAt) }) : t("apps.signatureNotVerified")}</p>
            <DocumentView value={{ signerBin: app.signature.signerBin ?? "—", subject: app.signature.subject, issuer: app.signature.issuer, serial: app.signature.serial, algorithm: app.signature.algorithm, signingTime: app.signature.signingTime ? formatDateTime(app.signature.signingTime) : "—" }} />
          </>
        )}
      </section>
      <section aria-labelledby="tl-h" className="panel">
        <h2 id="tl-h">{t("apps.timeline")}</h2>
        <ol className="timeline">
          {tl.events.map((e) => (
            <li key={e.seq}>
              <p>
                <strong>{t(`appEvent.${e.type}`, { defaultValue: e.type })}</strong> {e.paragraph && <span className="badge">{localParagraph(t, e.paragraph)}</span>}
              </p>
              <p className="muted">
                {formatDateTime(e.at)} · {e.actor.kind === "system" ? t("apps.actorSystem") : e.actor.name}
              </p>
              <EventData data={e.data} />
            </li>
          ))}
        </ol>
      </section>
      {app.tasks.length > 0 && (
        <section aria-labelledby="task-h" className="panel">
          <h2 id="task-h">{t("tasks.title")}</h2>
          <ul className="plain-list">
            {app.tasks.map((k) => (
              <li key={k.id}>
                {k.title} — {t(`taskState.${k.state}`)}
              </li>
            ))}
          </ul>
        </section>
      )}
      <Attachments app={app} />
    </section>
  );
}
