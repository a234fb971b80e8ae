/**
 * Pinned-application review (docs/gateway.md, src/services/pinned-apps.ts): destinations whose clients
 * refused the gateway's certificate, or whose servers ask for a client certificate, aggregated per host —
 * counts, dates and the number of organisations only, never a source address or a path. STS approves a host
 * (the gateway then splices allowed flows to it: never decrypted, and never allowed because of the approval)
 * or rejects it; auditors and the other read roles see the list and the decisions.
 */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useLoad, useSubmit } from "../../hooks.js";
import { useCan } from "../../session.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Table } from "../../components/table.js";
import { ProblemMessage, Notice, WhenLoaded } from "../../components/states.js";
import { SelectField, TextArea } from "../../components/fields.js";
import { Confirm } from "../../components/dialog.js";
import { formatDateTime, formatNumber } from "../../i18n/format.js";
import { pinned, type PinnedCandidate, type PinnedFilter } from "./api.js";
import { reasonLabel } from "./reasons.js";

const FILTERS: PinnedFilter[] = ["pending", "approved", "rejected", "all"];
const BADGE: Record<PinnedCandidate["status"], string> = { pending: "badge-pending", approved: "badge-active", rejected: "badge-terminated" };

export function PinnedPage() {
  const { t } = useTranslation();
  const can = useCan();
  const writable = can("gateway.pinned.decide");
  const { query } = useLocation();
  const status = (FILTERS as string[]).includes(query.get("status") ?? "") ? (query.get("status") as PinnedFilter) : "pending";
  const list = useLoad((s) => pinned.list(status, s), [status]);
  const [deciding, setDeciding] = useState<{ c: PinnedCandidate; verb: "approve" | "reject" } | null>(null);
  const [reason, setReason] = useState("");
  const decision = useSubmit();
  const [notice, setNotice] = useState("");

  function open(c: PinnedCandidate, verb: "approve" | "reject") {
    setDeciding({ c, verb });
    setReason("");
    decision.reset();
  }
  async function decide() {
    if (!deciding) return;
    await decision.run(async () => {
      const r = await pinned.decide(deciding.c.host, deciding.verb, reason.trim());
      setNotice(r.status === "approved" ? t("pinned.approvedNotice", { host: r.host }) : t("pinned.rejectedNotice", { host: r.host }));
      setDeciding(null);
      list.reload();
    });
  }
  const statusLabel = (s: PinnedCandidate["status"]) => (s === "approved" ? t("pinned.status.approved") : s === "rejected" ? t("pinned.status.rejected") : t("pinned.status.pending"));
  return (
    <section>
      <PageHeader title={t("pinned.title")} lead={t("pinned.lead")} />
      <div className="panel">
        <h2 className="section-title">{t("pinned.reasonsTitle")}</h2>
        <h3 className="small-title">
          {reasonLabel(t, "client-rejected-certificate")} <span className="mono muted">client-rejected-certificate</span>
        </h3>
        <p>{t("pinned.rejectedCertificateText")}</p>
        <h3 className="small-title">
          {reasonLabel(t, "client-certificate-required")} <span className="mono muted">client-certificate-required</span>
        </h3>
        <p>{t("pinned.certificateRequiredText")}</p>
        <p className="muted">{t("pinned.privacy")}</p>
      </div>
      <div className="panel">
        <div className="filters" role="search">
          <SelectField
            label={t("common.status")}
            value={status}
            onValue={(v) => setQuery({ status: v === "pending" ? undefined : v }, { replace: true })}
            options={FILTERS.map((f) => ({ value: f, label: f === "all" ? t("pinned.all") : statusLabel(f) }))}
          />
        </div>
        <Notice text={notice} />
        <WhenLoaded of={list} isEmpty={(d) => d.length === 0} empty={status === "pending" ? t("pinned.nonePending") : t("common.noMatches")}>
          {(candidates) => (
            <Table<PinnedCandidate>
              caption={t("pinned.title")}
              rows={candidates}
              rowKey={(c) => c.host}
              columns={[
                {
                  key: "host",
                  header: t("pinned.hostReasons"),
                  cell: (c) => (
                    <>
                      <span className="mono">{c.host}</span>
                      {c.reasons.length > 0 && <div className="muted">{c.reasons.map((r) => reasonLabel(t, r)).join("; ")}</div>}
                    </>
                  ),
                },
                { key: "connections", header: t("pinned.connections"), className: "num", cell: (c) => formatNumber(c.connections) },
                { key: "organisations", header: t("pinned.organisations"), className: "num", cell: (c) => formatNumber(c.organisations) },
                { key: "first", header: t("pinned.firstSeen"), cell: (c) => (c.firstSeen ? formatDateTime(c.firstSeen) : "—") },
                { key: "last", header: t("pinned.lastSeen"), cell: (c) => (c.lastSeen ? formatDateTime(c.lastSeen) : "—") },
                {
                  key: "status",
                  header: t("common.status"),
                  cell: (c) => (
                    <>
                      <span className={`badge ${BADGE[c.status]}`}>{statusLabel(c.status)}</span>
                      {c.decidedBy && <div className="muted">{t("pinned.decided", { by: c.decidedBy, at: formatDateTime(c.decidedAt), reason: c.decisionReason ?? "" })}</div>}
                    </>
                  ),
                },
                ...(writable
                  ? [
                      {
                        key: "actions",
                        header: t("common.actions"),
                        cell: (c: PinnedCandidate) => (
                          <div className="row-actions">
                            {c.status !== "approved" && (
                              <button type="button" className="btn btn-primary" aria-label={t("pinned.approveHost", { host: c.host })} onClick={() => open(c, "approve")}>
                                {t("pinned.approve")}
                              </button>
                            )}
                            {c.status !== "rejected" && (
                              <button type="button" className="btn btn-danger-outline" aria-label={t("pinned.rejectHost", { host: c.host })} onClick={() => open(c, "reject")}>
                                {t("pinned.reject")}
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
        </WhenLoaded>
      </div>
      <Confirm
        title={deciding?.verb === "approve" ? t("pinned.approveTitle", { host: deciding.c.host }) : t("pinned.rejectTitle", { host: deciding?.c.host ?? "" })}
        message={deciding?.verb === "approve" ? t("pinned.approveText", { host: deciding.c.host }) : t("pinned.rejectText", { host: deciding?.c.host ?? "" })}
        confirmLabel={deciding?.verb === "approve" ? t("pinned.approve") : t("pinned.reject")}
        open={deciding !== null}
        busy={decision.busy || reason.trim().length < 3}
        onConfirm={() => void decide()}
        onCancel={() => setDeciding(null)}
      >
        {deciding?.verb === "approve" && (
          <ul className="pinned-rules">
            <li>{t("pinned.ruleNeverDecrypted")}</li>
            <li>{t("pinned.ruleNeverAllows")}</li>
            <li>{t("pinned.ruleAudited")}</li>
          </ul>
        )}
        <TextArea label={t("pinned.decisionReason")} hint={t("pinned.decisionReasonHint")} value={reason} onValue={setReason} required error={decision.fields["/reason"]} path="/reason" rows={2} />
        {decision.problem !== undefined && <ProblemMessage error={decision.problem} />}
      </Confirm>
    </section>
  );
}
