/**
 * The mail gateway (UGEM). An organisation sees its own connected mail systems with the DKIM records to
 * publish; STS and the auditor see all systems and the suspensions (p.12). STS suspends a system, releases
 * its held mail to delivery, or deletes the held mail — each after a confirmation.
 */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import { useLoad, useSubmit } from "../../hooks.js";
import { useCan } from "../../session.js";
import { PageHeader } from "../../components/page.js";
import { Table } from "../../components/table.js";
import { ProblemMessage, Notice, WhenLoaded } from "../../components/states.js";
import { Confirm } from "../../components/dialog.js";
import { TextArea } from "../../components/fields.js";
import { formatDateTime, formatNumber } from "../../i18n/format.js";
import type { AnomalyCode } from "../../../../src/mail/policy/detector.js";
import { mail, type MailAction, type MailSuspension, type MailSystem } from "./api.js";

function statusLabel(t: TFunction, s: MailSystem["status"]): string {
  return { active: t("mail.status.active"), suspended: t("mail.status.suspended"), disconnected: t("mail.status.disconnected") }[s];
}

/** The detector's reasons (src/mail/policy/detector.ts, AnomalyCode) in the reader's language. */
function codeLabel(t: TFunction, code: string): string {
  const labels: Record<AnomalyCode, string> = {
    "messages-per-minute": t("mail.code.messagesPerMinute"),
    "messages-per-hour": t("mail.code.messagesPerHour"),
    "recipients-per-minute": t("mail.code.recipientsPerMinute"),
    "recipients-per-hour": t("mail.code.recipientsPerHour"),
    "bytes-per-hour": t("mail.code.bytesPerHour"),
    "above-baseline": t("mail.code.aboveBaseline"),
    "bounce-share": t("mail.code.bounceShare"),
    "defer-share": t("mail.code.deferShare"),
  };
  return labels[code as AnomalyCode] ?? code;
}

function reasonsText(t: TFunction, s: MailSuspension): string {
  if (s.reasons.length === 0) return s.note ? s.note : t("mail.manual");
  return s.reasons.map((r) => t("mail.reason", { code: codeLabel(t, r.code), observed: formatNumber(r.observed), limit: formatNumber(r.limit) })).join("; ");
}

export function MailPage() {
  const { t } = useTranslation();
  const can = useCan();
  const systems = useLoad((s) => mail.systems(s), []);
  const suspensions = useLoad((s) => mail.suspensions(s), []);
  const [selected, setSelected] = useState<string | null>(null);
  const [pending, setPending] = useState<{ system: MailSystem; action: MailAction } | null>(null);
  const [note, setNote] = useState("");
  const operation = useSubmit();
  const [notice, setNotice] = useState("");
  const writable = can("mail.write");

  async function confirm() {
    const p = pending!;
    setNotice("");
    await operation.run(async () => {
      const r = await mail.act(p.system.id, p.action, note.trim() || undefined);
      const n = formatNumber(r.queueIds.length);
      setNotice(p.action === "suspend" ? t("mail.suspended", { name: p.system.name, n }) : p.action === "release" ? t("mail.released", { name: p.system.name, n }) : t("mail.deleted", { name: p.system.name, n }));
      systems.reload();
      suspensions.reload();
    });
    setPending(null);
    setNote("");
  }

  const dialog = pending
    ? {
        suspend: { title: t("mail.suspendTitle"), text: t("mail.suspendText", { name: pending.system.name }), label: t("mail.suspend") },
        release: { title: t("mail.releaseTitle"), text: t("mail.releaseText", { name: pending.system.name, n: formatNumber(pending.system.suspension?.heldQueueIds.length ?? 0) }), label: t("mail.release") },
        "delete-held": { title: t("mail.deleteTitle"), text: t("mail.deleteText", { name: pending.system.name, n: formatNumber(pending.system.suspension?.heldQueueIds.length ?? 0) }), label: t("mail.deleteHeld") },
      }[pending.action]
    : null;

  return (
    <section>
      <PageHeader title={t("mail.title")} lead={t("mail.lead")} />
      <Notice text={notice} />
      {operation.error !== undefined && <ProblemMessage error={operation.error} />}
      <div className="panel">
        <h2 className="section-title">{t("mail.systemsTitle")}</h2>
        <WhenLoaded of={systems} isEmpty={(d) => d.items.length === 0} empty={t("mail.noSystems")}>
          {({ items }) => (
            <Table<MailSystem>
              caption={t("mail.systemsTitle")}
              rows={items}
              rowKey={(s) => s.id}
              columns={[
                { key: "name", header: t("mail.name"), cell: (s) => s.name },
                { key: "domains", header: t("mail.domains"), cell: (s) => s.domains.map((d) => d.domain).join(", ") || "—" },
                { key: "servers", header: t("mail.servers"), cell: (s) => <span className="mono">{s.serverAddresses.join(", ")}</span> },
                {
                  key: "status",
                  header: t("common.status"),
                  cell: (s) => (
                    <>
                      {statusLabel(t, s.status)}
                      {s.disconnectionPending && <span className="muted small"> · {t("mail.disconnectionPending")}</span>}
                      {s.suspension && <span className="muted small"> · {t("mail.held", { n: formatNumber(s.suspension.heldQueueIds.length) })}</span>}
                    </>
                  ),
                },
                {
                  key: "actions",
                  header: t("common.actions"),
                  cell: (s) => (
                    <div className="row-actions">
                      <button type="button" className="btn btn-small" aria-expanded={selected === s.id} onClick={() => setSelected(selected === s.id ? null : s.id)}>
                        {t("mail.details")}
                      </button>
                      {writable && s.status === "active" && (
                        <button type="button" className="btn btn-small" onClick={() => setPending({ system: s, action: "suspend" })}>
                          {t("mail.suspend")}
                        </button>
                      )}
                      {writable && s.status === "suspended" && (
                        <>
                          <button type="button" className="btn btn-small btn-primary" onClick={() => setPending({ system: s, action: "release" })}>
                            {t("mail.release")}
                          </button>
                          <button type="button" className="btn btn-small btn-danger" disabled={(s.suspension?.heldQueueIds.length ?? 0) === 0} onClick={() => setPending({ system: s, action: "delete-held" })}>
                            {t("mail.deleteHeld")}
                          </button>
                        </>
                      )}
                    </div>
                  ),
                },
              ]}
            />
          )}
        </WhenLoaded>
      </div>
      {selected && <SystemDetails id={selected} />}
      <div className="panel">
        <h2 className="section-title">{t("mail.suspensionsTitle")}</h2>
        <WhenLoaded of={suspensions} isEmpty={(d) => d.items.length === 0} empty={t("mail.noSuspensions")}>
          {({ items }) => (
            <Table<MailSuspension>
              caption={t("mail.suspensionsTitle")}
              rows={items}
              rowKey={(s) => s.id}
              columns={[
                { key: "system", header: t("mail.name"), cell: (s) => s.mailSystemName },
                { key: "since", header: t("mail.since"), cell: (s) => formatDateTime(s.since) },
                { key: "why", header: t("mail.why"), cell: (s) => reasonsText(t, s) },
                { key: "by", header: t("mail.by"), cell: (s) => (s.suspendedBy === "detector" ? t("mail.detector") : s.suspendedBy) },
                { key: "held", header: t("mail.heldColumn"), cell: (s) => formatNumber(s.heldQueueIds.length) },
                {
                  key: "outcome",
                  header: t("mail.outcome"),
                  cell: (s) =>
                    s.releasedAt
                      ? t("mail.releasedAt", { at: formatDateTime(s.releasedAt), n: formatNumber(s.releasedCount ?? 0) })
                      : s.deletedAt
                        ? t("mail.deletedAt", { at: formatDateTime(s.deletedAt), n: formatNumber(s.deletedCount ?? 0) })
                        : t("mail.open"),
                },
              ]}
            />
          )}
        </WhenLoaded>
      </div>
      <Confirm title={dialog?.title ?? ""} message={dialog?.text ?? ""} confirmLabel={dialog?.label ?? ""} open={pending !== null} busy={operation.busy} onCancel={() => setPending(null)} onConfirm={() => void confirm()}>
        {pending?.action === "suspend" && <TextArea label={t("mail.note")} value={note} onValue={setNote} maxLength={1000} />}
      </Confirm>
    </section>
  );
}

function SystemDetails({ id }: { id: string }) {
  const { t } = useTranslation();
  const dkim = useLoad((s) => mail.dkim(id, s), [id]);
  const stats = useLoad((s) => mail.stats(id, s), [id]);
  return (
    <div className="panel">
      <h2 className="section-title">{t("mail.dkimTitle")}</h2>
      <p className="muted">{t("mail.dkimLead")}</p>
      <WhenLoaded of={dkim} isEmpty={(d) => d.records.length === 0} empty={t("mail.noDkim")}>
        {({ records }) =>
          records.map((r) => (
            <dl className="facts" key={r.dnsName}>
              <dt>{t("mail.recordName")}</dt>
              <dd className="mono break">{r.dnsName}</dd>
              <dt>{t("mail.recordValue")}</dt>
              <dd className="mono break" data-testid="dkim-value">
                {r.txtValue}
              </dd>
              <dt>{t("mail.zoneLine")}</dt>
              <dd>
                <pre className="mono break">{r.zoneRecord}</pre>
              </dd>
            </dl>
          ))
        }
      </WhenLoaded>
      <h2 className="section-title">{t("mail.statsTitle")}</h2>
      <WhenLoaded of={stats}>
        {({ totals, live }) => (
          <dl className="facts">
            <dt>{t("mail.sent")}</dt>
            <dd>{formatNumber(totals.sent)}</dd>
            <dt>{t("mail.deferred")}</dt>
            <dd>{formatNumber(totals.deferred)}</dd>
            <dt>{t("mail.bounced")}</dt>
            <dd>{formatNumber(totals.bounced)}</dd>
            <dt>{t("mail.queued")}</dt>
            <dd>{live ? formatNumber(live.queued) : t("mail.notRunning")}</dd>
          </dl>
        )}
      </WhenLoaded>
    </div>
  );
}
