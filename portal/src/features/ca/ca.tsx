/**
 * The gateway CA (Rules p.21–23). Every role downloads the root and its install files. The STS
 * administrator generates the root and its issuing intermediate, publishes the root to the telecom
 * operators, activates, rotates and revokes (asking first); STS and the auditor follow the adoption: one
 * root-distribution acknowledgement per operator and root (p.22). A telecom operator acknowledges here that
 * it passed the new root on to its organisations.
 */
import { useEffect, useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import type { RevocationReason } from "../../../../src/contract/ca.js";
import { ApiError } from "../../api/client.js";
import { useLoad, useSubmit } from "../../hooks.js";
import { useAccount, useCan } from "../../session.js";
import { PageHeader } from "../../components/page.js";
import { Table } from "../../components/table.js";
import { Empty, ProblemMessage, Notice, WhenLoaded } from "../../components/states.js";
import { FormActions } from "../../components/form-actions.js";
import { Modal, Confirm } from "../../components/dialog.js";
import { SelectField, TextField, TextArea } from "../../components/fields.js";
import { localName, useNames } from "../../components/names.js";
import { formatDate, formatDateTime, formatNumber } from "../../i18n/format.js";
import { ca, distribution, type CaCertificate, type DistributionView } from "./api.js";

export function stateLabel(t: TFunction, s: CaCertificate["state"]): string {
  const labels: Record<CaCertificate["state"], string> = {
    generated: t("gatewayCa.state.generated"),
    published: t("gatewayCa.state.published"),
    active: t("gatewayCa.state.active"),
    retiring: t("gatewayCa.state.retiring"),
    revoked: t("gatewayCa.state.revoked"),
  };
  return labels[s];
}
function reasonLabels(t: TFunction): Record<RevocationReason, string> {
  return {
    unspecified: t("gatewayCa.revocation.unspecified"),
    keyCompromise: t("gatewayCa.revocation.keyCompromise"),
    cACompromise: t("gatewayCa.revocation.cACompromise"),
    superseded: t("gatewayCa.revocation.superseded"),
    cessationOfOperation: t("gatewayCa.revocation.cessationOfOperation"),
  };
}
const eventLabel = (t: TFunction, e: string) => ({ publish: t("gatewayCa.event.publish"), activate: t("gatewayCa.event.activate"), retire: t("gatewayCa.event.retire"), revoke: t("gatewayCa.event.revoke") })[e] ?? e;

/** A long operation (key generation): an indeterminate progress bar with the seconds elapsed, announced. */
function Progress({ label }: { label: string }) {
  const { t } = useTranslation();
  const [s, setS] = useState(0);
  useEffect(() => {
    const start = Date.now();
    const h = setInterval(() => setS(Math.floor((Date.now() - start) / 1000)), 500);
    return () => clearInterval(h);
  }, []);
  return (
    <div className="progress" role="status" aria-live="polite">
      <progress aria-label={label} />
      <span>
        {label} {t("gatewayCa.elapsed", { n: formatNumber(s) })}
      </span>
    </div>
  );
}

export function CaPage() {
  const { t } = useTranslation();
  const can = useCan();
  const account = useAccount();
  const list = useLoad((s) => ca.list(s), []);
  const [tick, setTick] = useState(0);
  const reload = () => {
    list.reload();
    setTick((n) => n + 1);
  };
  return (
    <section>
      <PageHeader title={t("gatewayCa.title")} lead={t("gatewayCa.lead")} />
      <RootDownload tick={tick} />
      {account.role === "operator_staff" && <Acknowledgements tick={tick} />}
      <WhenLoaded of={list}>{({ items }) => <Lifecycle items={items} writable={can("ca.write")} onChange={reload} />}</WhenLoaded>
      {account.role !== "operator_staff" && account.role !== "organisation_staff" && <Adoption tick={tick} roots={(list.data?.items ?? []).filter((c) => c.kind === "root")} />}
    </section>
  );
}

function RootDownload({ tick }: { tick: number }) {
  const { t } = useTranslation();
  const r = useLoad((s) => ca.root(undefined, s), [tick]);
  return (
    <div className="panel">
      <h2 className="section-title">{t("gatewayCa.rootTitle")}</h2>
      {r.error instanceof ApiError && r.error.code === "QQ_ERR_CA_NOT_INITIALISED" ? (
        <Empty>{t("gatewayCa.noRoot")}</Empty>
      ) : (
        <WhenLoaded of={r}>
          {(root) => (
            <>
              <dl className="facts">
                <dt>{t("gatewayCa.subject")}</dt>
                <dd>{root.subject}</dd>
                <dt>{t("gatewayCa.state.label")}</dt>
                <dd>{stateLabel(t, root.state)}</dd>
                <dt>SHA-256</dt>
                <dd className="mono break" data-testid="root-sha256">
                  {root.sha256}
                </dd>
                <dt>{t("gatewayCa.validity")}</dt>
                <dd>{t("gatewayCa.validRange", { from: formatDate(root.notBefore.slice(0, 10)), to: formatDate(root.notAfter.slice(0, 10)) })}</dd>
              </dl>
              <h3 className="small-title">{t("gatewayCa.files")}</h3>
              <ul className="file-list">
                {root.files.map((f) => (
                  <li key={f.filename}>
                    <a href={f.url} download={f.filename}>
                      {f.filename}
                    </a>{" "}
                    <span className="muted small">
                      {f.platforms.join(", ")} · {t("gatewayCa.bytes", { n: formatNumber(f.size) })}
                    </span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </WhenLoaded>
      )}
    </div>
  );
}

function Lifecycle({ items, writable, onChange }: { items: CaCertificate[]; writable: boolean; onChange: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<string>("");
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState("");
  const [rotateOpen, setRotateOpen] = useState(false);
  const [toRevoke, setToRevoke] = useState<CaCertificate | null>(null);
  const [reason, setReason] = useState<RevocationReason>("superseded");
  const reasons = reasonLabels(t);

  async function run(label: string, f: () => Promise<unknown>, done: string) {
    setBusy(label);
    setError(undefined);
    setNotice("");
    try {
      await f();
      setNotice(done);
      onChange();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy("");
    }
  }
  const steps = items.flatMap((c) => c.scheduled.map((s) => ({ ...s, subject: c.subject, kind: c.kind }))).sort((a, b) => a.at.localeCompare(b.at));
  const hasActiveRoot = items.some((c) => c.kind === "root" && c.state === "active");
  // An intermediate activates on its own only under an active root (after an intermediate rotation).
  const parentActive = (c: CaCertificate) => items.some((p) => p.id === c.parentId && p.state === "active");
  return (
    <div className="panel">
      <div className="section-head">
        <h2 className="section-title">{t("gatewayCa.lifecycleTitle")}</h2>
        {writable && (
          <div className="page-actions">
            {items.length === 0 && (
              <button type="button" className="btn btn-primary" disabled={!!busy} onClick={() => void run(t("gatewayCa.generating"), () => ca.init({}), t("gatewayCa.generated"))}>
                {t("gatewayCa.generate")}
              </button>
            )}
            {hasActiveRoot && (
              <button type="button" className="btn" disabled={!!busy} onClick={() => setRotateOpen(true)}>
                {t("gatewayCa.rotate")}
              </button>
            )}
          </div>
        )}
      </div>
      {busy && <Progress label={busy} />}
      <Notice text={notice} />
      {error !== undefined && <ProblemMessage error={error} />}
      {items.length === 0 ? (
        <Empty>{writable ? t("gatewayCa.noCertificatesAdmin") : t("gatewayCa.noCertificates")}</Empty>
      ) : (
        <Table<CaCertificate>
          caption={t("gatewayCa.lifecycleTitle")}
          rows={items}
          rowKey={(c) => c.id}
          columns={[
            { key: "kind", header: t("gatewayCa.kind"), cell: (c) => (c.kind === "root" ? t("gatewayCa.root") : t("gatewayCa.intermediate")) },
            { key: "subject", header: t("gatewayCa.subject"), cell: (c) => c.subject },
            { key: "state", header: t("gatewayCa.state.label"), cell: (c) => <span className={`badge badge-ca-${c.state}`}>{stateLabel(t, c.state)}</span> },
            { key: "fp", header: "SHA-256", cell: (c) => <span className="mono small" title={c.sha256}>{c.sha256.slice(0, 23)}…</span> },
            { key: "until", header: t("gatewayCa.validUntil"), cell: (c) => formatDate(c.notAfter.slice(0, 10)) },
            ...(writable
              ? [
                  {
                    key: "actions",
                    header: t("common.actions"),
                    cell: (c: CaCertificate) => (
                      <div className="row-actions">
                        {c.kind === "root" && c.state === "generated" && (
                          <button type="button" className="btn" disabled={!!busy} aria-label={t("gatewayCa.publishOf", { subject: c.subject })} onClick={() => void run(t("gatewayCa.publishing"), () => ca.publish(c.id), t("gatewayCa.published"))}>
                            {t("gatewayCa.publish")}
                          </button>
                        )}
                        {((c.kind === "root" && c.state === "published") || (c.kind === "intermediate" && c.state === "generated" && parentActive(c))) && (
                          <button type="button" className="btn" disabled={!!busy} aria-label={t("gatewayCa.activateOf", { subject: c.subject })} onClick={() => void run(t("gatewayCa.activating"), () => ca.activate(c.id), t("gatewayCa.activated"))}>
                            {t("gatewayCa.activate")}
                          </button>
                        )}
                        {c.state !== "revoked" && (
                          <button type="button" className="btn btn-danger-outline" disabled={!!busy} aria-label={t("gatewayCa.revokeOf", { subject: c.subject })} onClick={() => setToRevoke(c)}>
                            {t("gatewayCa.revoke")}
                          </button>
                        )}
                      </div>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      {steps.length > 0 && (
        <>
          <h3 className="small-title">{t("gatewayCa.scheduledTitle")}</h3>
          <ul>
            {steps.map((s) => (
              <li key={s.id}>
                {formatDateTime(s.at)} — {eventLabel(t, s.event.type)}: {s.subject}
              </li>
            ))}
          </ul>
        </>
      )}
      <RotateDialog
        open={rotateOpen}
        onClose={() => setRotateOpen(false)}
        onRotate={async (body) => {
          setRotateOpen(false);
          await run(t("gatewayCa.rotating"), () => ca.rotate(body), t("gatewayCa.rotated"));
        }}
      />
      <Confirm
        title={t("gatewayCa.revokeTitle")}
        message={toRevoke ? t("gatewayCa.revokeText", { subject: toRevoke.subject }) : ""}
        confirmLabel={t("gatewayCa.revoke")}
        open={toRevoke !== null}
        busy={!!busy}
        onCancel={() => setToRevoke(null)}
        onConfirm={() => {
          const c = toRevoke!;
          setToRevoke(null);
          void run(t("gatewayCa.revoking"), () => ca.revoke(c.id, { reason }), t("gatewayCa.revoked"));
        }}
      >
        <SelectField label={t("gatewayCa.revocationReason")} value={reason} onValue={(v) => setReason(v as RevocationReason)} options={Object.entries(reasons).map(([value, label]) => ({ value, label }))} />
      </Confirm>
    </div>
  );
}

function RotateDialog({ open, onClose, onRotate }: { open: boolean; onClose: () => void; onRotate: (b: { scope: "root" | "intermediate"; publicationLeadDays?: number; overlapDays?: number }) => Promise<void> }) {
  const { t } = useTranslation();
  const [scope, setScope] = useState<"root" | "intermediate">("root");
  const [lead, setLead] = useState("14");
  const [overlap, setOverlap] = useState("30");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void onRotate({ scope, ...(scope === "root" ? { publicationLeadDays: Number(lead) } : {}), overlapDays: Number(overlap) });
  };
  return (
    <Modal title={t("gatewayCa.rotateTitle")} open={open} onClose={onClose}>
      <form onSubmit={submit}>
        <SelectField
          label={t("gatewayCa.rotateScope")}
          value={scope}
          onValue={(v) => {
            setScope(v as "root" | "intermediate");
            setOverlap(v === "root" ? "30" : "7");
          }}
          options={[
            { value: "root", label: t("gatewayCa.rotateRoot") },
            { value: "intermediate", label: t("gatewayCa.rotateIntermediate") },
          ]}
        />
        {scope === "root" && <TextField label={t("gatewayCa.leadDays")} hint={t("gatewayCa.leadDaysHint")} value={lead} onValue={setLead} type="number" min={0} max={365} required />}
        <TextField label={t("gatewayCa.overlapDays")} hint={t("gatewayCa.overlapDaysHint")} value={overlap} onValue={setOverlap} type="number" min={0} max={365} required />
        <div className="form-actions">
          <button type="button" className="btn" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="btn btn-primary">
            {t("gatewayCa.rotateStart")}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Root-distribution applications with their documents (the summary list does not carry the fingerprint). */
function useDistributions(tick: number) {
  return useLoad(
    async (signal) => {
      const list = await distribution.list(signal);
      return Promise.all(list.items.map((a) => distribution.get(a.id, signal)));
    },
    [tick],
  );
}
const fingerprintOf = (a: DistributionView) => String((a.document as { fingerprint?: string } | null)?.fingerprint ?? "");

const ackLabel = (t: TFunction, s: string) => (s === "acknowledged" ? t("gatewayCa.ack.acknowledged") : s === "withdrawn" ? t("gatewayCa.ack.withdrawn") : t("gatewayCa.ack.notified"));

/** STS and the auditor: per root, which operators acknowledged passing it on (p.22). */
function Adoption({ tick, roots }: { tick: number; roots: CaCertificate[] }) {
  const { t } = useTranslation();
  const r = useDistributions(tick);
  const items = r.data ?? [];
  const ops = useNames("operator", items.map((a) => a.operatorId));
  const groups = new Map<string, DistributionView[]>();
  for (const a of items) groups.set(fingerprintOf(a), [...(groups.get(fingerprintOf(a)) ?? []), a]);
  return (
    <div className="panel">
      <h2 className="section-title">{t("gatewayCa.adoptionTitle")}</h2>
      <p className="muted">{t("gatewayCa.adoptionLead")}</p>
      <WhenLoaded of={r} isEmpty={(d) => d.length === 0} empty={t("gatewayCa.noDistributions")}>
        {() =>
          [...groups].map(([fp, apps]) => {
            const done = apps.filter((a) => a.state === "acknowledged").length;
            return (
              <div key={fp} className="adoption">
                <h3 className="small-title">
                  {t("gatewayCa.adoptionOf", { subject: roots.find((c) => c.sha256 === fp)?.subject ?? "—", state: (() => {
                    const c = roots.find((x) => x.sha256 === fp);
                    return c ? stateLabel(t, c.state) : "—";
                  })() })}
                </h3>
                <p className="mono break small">SHA-256 {fp}</p>
                <p>
                  <strong>{t("gatewayCa.adoptionCount", { done: formatNumber(done), total: formatNumber(apps.length) })}</strong>
                </p>
                <progress max={apps.length} value={done} aria-label={t("gatewayCa.adoptionCount", { done: formatNumber(done), total: formatNumber(apps.length) })} />
                <Table<DistributionView>
                  caption={t("gatewayCa.adoptionTitle")}
                  rows={apps}
                  rowKey={(a) => a.id}
                  columns={[
                    { key: "number", header: t("gatewayCa.ack.number"), cell: (a) => <span className="mono">{a.number}</span> },
                    { key: "operator", header: t("common.operator"), cell: (a) => localName(a.operatorId ? ops[a.operatorId] : undefined) },
                    { key: "state", header: t("gatewayCa.state.label"), cell: (a) => ackLabel(t, a.state) },
                    { key: "due", header: t("gatewayCa.ack.due"), cell: (a) => (a.deadlines[0] ? formatDate(a.deadlines[0].dueDate) : "—") },
                    { key: "updated", header: t("common.updated"), cell: (a) => formatDateTime(a.updatedAt) },
                  ]}
                />
              </div>
            );
          })
        }
      </WhenLoaded>
    </div>
  );
}

/** A telecom operator's acknowledgements: one per new root, until it confirms it passed the root on. */
function Acknowledgements({ tick }: { tick: number }) {
  const { t } = useTranslation();
  const r = useDistributions(tick);
  return (
    <div className="panel">
      <h2 className="section-title">{t("gatewayCa.ackTitle")}</h2>
      <p className="muted">{t("gatewayCa.ackLead")}</p>
      <WhenLoaded of={r} isEmpty={(d) => d.length === 0} empty={t("gatewayCa.noDistributions")}>
        {(apps) => (
          <ul className="ack-list">
            {apps.map((a) => (
              <AckItem key={a.id} app={a} onDone={r.reload} />
            ))}
          </ul>
        )}
      </WhenLoaded>
    </div>
  );
}

function AckItem({ app, onDone }: { app: DistributionView; onDone: () => void }) {
  const { t } = useTranslation();
  const [count, setCount] = useState("");
  const [note, setNote] = useState("");
  const ack = useSubmit();
  const may = app.allowedEvents.includes("acknowledged");
  // Each operator may have several roots to acknowledge: every form is named by its application.
  const headingId = useId();
  async function submit(e: FormEvent) {
    e.preventDefault();
    await ack.run(async () => {
      await distribution.acknowledge(app.id, app.version, { ...(count.trim() ? { organisationsInformed: Number(count) } : {}), ...(note.trim() ? { note: note.trim() } : {}) });
      onDone();
    });
  }
  return (
    <li className="card">
      <p id={headingId}>
        <span className="mono">{app.number}</span> · <strong>{ackLabel(t, app.state)}</strong>
        {app.deadlines[0] && <> · {t("gatewayCa.ack.dueOn", { date: formatDate(app.deadlines[0].dueDate) })}</>}
      </p>
      <p className="mono break small">SHA-256 {fingerprintOf(app)}</p>
      {may && (
        <form onSubmit={(e) => void submit(e)} aria-labelledby={headingId}>
          <TextField label={t("gatewayCa.ack.organisationsInformed")} value={count} onValue={setCount} type="number" min={0} inputMode="numeric" />
          <TextArea label={t("gatewayCa.ack.note")} value={note} onValue={setNote} rows={2} />
          <FormActions submit={ack} problem={ack.error} label={t("gatewayCa.ack.confirm")} />
        </form>
      )}
    </li>
  );
}
