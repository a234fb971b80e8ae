/**
 * Gateway nodes of the multi-node mode (docs/operations.md, "Gateway nodes"): which nodes are enrolled, in
 * which state, the credential's generation and the times — never a credential. The STS administrator enrols
 * a node, rotates its credential (the previous one is accepted for the overlap) or revokes it. The credential
 * of an enrolment or rotation comes in that one response and is shown once: it lives only in this page's
 * state (never storage or the address) and is dropped when the panel is dismissed or the page is left.
 */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useLoad, useSubmit } from "../../hooks.js";
import { useCan } from "../../session.js";
import { PageHeader } from "../../components/page.js";
import { Table } from "../../components/table.js";
import { ProblemMessage, Notice, WhenLoaded } from "../../components/states.js";
import { FormActions } from "../../components/form-actions.js";
import { TextField } from "../../components/fields.js";
import { Confirm } from "../../components/dialog.js";
import { formatDateTime, formatNumber } from "../../i18n/format.js";
import { ROTATION_OVERLAP_MINUTES } from "../../../../src/contract/gateway-nodes.js";
import { gatewayNodes, type GatewayNode, type IssuedGatewayNodeCredential } from "./api.js";

const BADGE: Record<GatewayNode["state"], string> = { active: "badge-active", revoked: "badge-terminated" };
const when = (at: string | null) => (at ? formatDateTime(at) : "—");

export function GatewayNodesPage() {
  const { t } = useTranslation();
  const can = useCan();
  const writable = can("gateway-node.write");
  const list = useLoad((s) => gatewayNodes.list(s), []);
  const [issued, setIssued] = useState<(IssuedGatewayNodeCredential & { rotated: boolean }) | null>(null);
  const [notice, setNotice] = useState("");
  const [acting, setActing] = useState<{ node: GatewayNode; verb: "rotate" | "revoke" } | null>(null);
  const [overlap, setOverlap] = useState(String(ROTATION_OVERLAP_MINUTES.default));
  const action = useSubmit();

  function open(node: GatewayNode, verb: "rotate" | "revoke") {
    setActing({ node, verb });
    setOverlap(String(ROTATION_OVERLAP_MINUTES.default));
    action.reset();
  }
  async function act() {
    if (!acting) return;
    await action.run(async () => {
      const id = acting.node.id;
      if (acting.verb === "rotate") {
        // Not a whole number of minutes: sent as null, so the API names the field.
        const r = await gatewayNodes.rotate(id, /^\d+$/.test(overlap.trim()) ? Number(overlap.trim()) : NaN);
        setIssued({ ...r, rotated: true });
        setNotice("");
      } else {
        await gatewayNodes.revoke(id);
        setNotice(t("gatewayNodes.revokedNotice", { id }));
      }
      setActing(null);
      list.reload();
    });
  }
  const stateLabel = (s: GatewayNode["state"]) => (s === "active" ? t("gatewayNodes.state.active") : t("gatewayNodes.state.revoked"));
  return (
    <section>
      <PageHeader title={t("gatewayNodes.title")} lead={t("gatewayNodes.lead")} />
      {issued && <CredentialPanel issued={issued} onDismiss={() => setIssued(null)} />}
      <div className="panel">
        <Notice text={notice} />
        <WhenLoaded of={list} isEmpty={(d) => d.items.length === 0} empty={t("gatewayNodes.none")}>
          {({ items }) => (
            <Table<GatewayNode>
              caption={t("gatewayNodes.title")}
              rows={items}
              rowKey={(n) => n.id}
              columns={[
                { key: "id", header: t("gatewayNodes.id"), cell: (n) => <span className="mono">{n.id}</span> },
                { key: "state", header: t("gatewayNodes.stateHeader"), cell: (n) => <span className={`badge ${BADGE[n.state]}`}>{stateLabel(n.state)}</span> },
                { key: "generation", header: t("gatewayNodes.generation"), className: "num", cell: (n) => formatNumber(n.generation) },
                { key: "created", header: t("gatewayNodes.createdAt"), cell: (n) => when(n.createdAt) },
                {
                  key: "rotated",
                  header: t("gatewayNodes.rotatedAt"),
                  cell: (n) => (
                    <>
                      {when(n.rotatedAt)}
                      {n.state === "active" && n.previousValidUntil && Date.parse(n.previousValidUntil) > Date.now() && <div className="muted">{t("gatewayNodes.previousUntil", { at: formatDateTime(n.previousValidUntil) })}</div>}
                    </>
                  ),
                },
                { key: "revoked", header: t("gatewayNodes.revokedAt"), cell: (n) => when(n.revokedAt) },
                ...(writable
                  ? [
                      {
                        key: "actions",
                        header: t("common.actions"),
                        cell: (n: GatewayNode) =>
                          n.state === "active" && (
                            <div className="row-actions">
                              <button type="button" className="btn" aria-label={t("gatewayNodes.rotateNode", { id: n.id })} onClick={() => open(n, "rotate")}>
                                {t("gatewayNodes.rotate")}
                              </button>
                              <button type="button" className="btn btn-danger-outline" aria-label={t("gatewayNodes.revokeNode", { id: n.id })} onClick={() => open(n, "revoke")}>
                                {t("gatewayNodes.revoke")}
                              </button>
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
      {writable && (
        <EnrolForm
          onIssued={(r) => {
            setIssued({ ...r, rotated: false });
            setNotice("");
            list.reload();
          }}
        />
      )}
      <Confirm
        title={acting?.verb === "rotate" ? t("gatewayNodes.rotateTitle", { id: acting.node.id }) : t("gatewayNodes.revokeTitle", { id: acting?.node.id ?? "" })}
        message={acting?.verb === "rotate" ? t("gatewayNodes.rotateText", { id: acting.node.id }) : t("gatewayNodes.revokeText", { id: acting?.node.id ?? "" })}
        confirmLabel={acting?.verb === "rotate" ? t("gatewayNodes.rotate") : t("gatewayNodes.revoke")}
        open={acting !== null}
        busy={action.busy}
        onConfirm={() => void act()}
        onCancel={() => setActing(null)}
      >
        {acting?.verb === "rotate" && (
          <TextField
            label={t("gatewayNodes.overlap")}
            hint={t("gatewayNodes.overlapHint", { max: ROTATION_OVERLAP_MINUTES.max })}
            value={overlap}
            onValue={setOverlap}
            inputMode="numeric"
            required
            error={action.fields["/overlapMinutes"]}
            path="/overlapMinutes"
          />
        )}
        {action.problem !== undefined && <ProblemMessage error={action.problem} />}
      </Confirm>
    </section>
  );
}

function EnrolForm({ onIssued }: { onIssued: (r: IssuedGatewayNodeCredential) => void }) {
  const { t } = useTranslation();
  const [id, setId] = useState("");
  const [reason, setReason] = useState("");
  const form = useRef<HTMLFormElement>(null);
  const enrolment = useSubmit(form);
  async function enrol(e: FormEvent) {
    e.preventDefault();
    await enrolment.run(async () => {
      const r = await gatewayNodes.enrol(id.trim(), reason.trim() || undefined);
      setId("");
      setReason("");
      onIssued(r);
    });
  }
  return (
    <form ref={form} className="panel" onSubmit={(e) => void enrol(e)} noValidate aria-labelledby="enrol-node-title">
      <h2 className="section-title" id="enrol-node-title">
        {t("gatewayNodes.enrolTitle")}
      </h2>
      <p className="muted">{t("gatewayNodes.enrolText")}</p>
      <TextField label={t("gatewayNodes.id")} hint={t("gatewayNodes.idHint")} value={id} onValue={setId} required error={enrolment.fields["/id"]} path="/id" spellCheck={false} autoComplete="off" />
      <TextField label={t("gatewayNodes.reason")} hint={t("gatewayNodes.reasonHint")} value={reason} onValue={setReason} error={enrolment.fields["/reason"]} path="/reason" />
      <FormActions submit={enrolment} label={t("gatewayNodes.enrol")} />
    </form>
  );
}

/** The credential of one enrolment or rotation, shown once; focus moves to it so it is not missed. */
function CredentialPanel({ issued, onDismiss }: { issued: IssuedGatewayNodeCredential & { rotated: boolean }; onDismiss: () => void }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<"" | "ok" | "failed">("");
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    setCopied("");
    heading.current?.focus();
  }, [issued]);
  async function copy() {
    try {
      await navigator.clipboard.writeText(issued.credential);
      setCopied("ok");
    } catch {
      setCopied("failed");
    }
  }
  const { node } = issued;
  return (
    <div className="panel notice-warn" role="region" aria-labelledby="node-credential-title">
      <h2 className="section-title" id="node-credential-title" ref={heading} tabIndex={-1}>
        {t("gatewayNodes.credentialTitle", { id: node.id, generation: node.generation })}
      </h2>
      <p>
        <strong>{t("gatewayNodes.shownOnce")}</strong>
      </p>
      <pre className="json" tabIndex={0} aria-label={t("gatewayNodes.credential")}>
        <code>{issued.credential}</code>
      </pre>
      <div className="form-actions">
        <button type="button" className="btn" onClick={() => void copy()}>
          {t("gatewayNodes.copy")}
        </button>
        <button type="button" className="btn btn-primary" onClick={onDismiss}>
          {t("gatewayNodes.dismiss")}
        </button>
      </div>
      <Notice text={copied === "ok" ? t("gatewayNodes.copied") : ""} />
      {copied === "failed" && (
        <p className="error" role="alert">
          {t("gatewayNodes.copyFailed")}
        </p>
      )}
      <h3 className="small-title">{t("gatewayNodes.installTitle")}</h3>
      <ol>
        <li>{t("gatewayNodes.installFile")}</li>
        <li>{t("gatewayNodes.installConfig", { id: node.id })}</li>
        <li>
          {issued.rotated && node.previousValidUntil
            ? t("gatewayNodes.installRestartRotated", { at: formatDateTime(node.previousValidUntil) })
            : issued.rotated
              ? t("gatewayNodes.installRestartNow")
              : t("gatewayNodes.installStart")}
        </li>
      </ol>
    </div>
  );
}
