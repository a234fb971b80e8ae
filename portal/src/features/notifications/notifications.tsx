/** The outbox: notifications qaqpa sends (p.13, p.16, p.21), their delivery status and attempts. */
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { notifications, type Notification } from "../../api/resources.js";
import { useLoad } from "../../hooks.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { PagedList } from "../../components/table.js";
import { SelectField, TextField } from "../../components/fields.js";
import { formatDateTime, formatNumber } from "../../i18n/format.js";

const LIMIT = 20;
const STATUSES = ["pending", "sent", "sink", "failed"] as const;

export function NotificationsPage() {
  const { t } = useTranslation();
  const { query } = useLocation();
  const status = query.get("status") ?? "";
  const recipient = query.get("recipient") ?? "";
  const offset = Number(query.get("offset") ?? 0) || 0;
  const [recipientDraft, setRecipientDraft] = useState(recipient);
  const list = useLoad((signal) => notifications.list({ status: status || undefined, recipient: recipient || undefined, limit: LIMIT, offset }, signal), [status, recipient, offset]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ recipient: recipientDraft.trim(), offset: undefined });
  };
  return (
    <section>
      <PageHeader title={t("notifications.title")} lead={t("notifications.lead")} />
      <form className="filters" role="search" onSubmit={submit}>
        <SelectField label={t("common.status")} value={status} onValue={(v) => setQuery({ status: v, offset: undefined })} options={[{ value: "", label: t("common.all") }, ...STATUSES.map((s) => ({ value: s, label: t(`notificationStatus.${s}`) }))]} />
        <TextField label={t("notifications.recipient")} type="search" value={recipientDraft} onValue={setRecipientDraft} />
        <button type="submit" className="btn">
          {t("common.apply")}
        </button>
      </form>
      <PagedList<Notification>
        list={list}
        caption={t("notifications.title")}
        empty={status || recipient ? t("common.noMatches") : t("notifications.empty")}
        offset={offset}
        limit={LIMIT}
        onOffset={(o) => setQuery({ offset: o || undefined })}
        rowKey={(n) => n.id}
        columns={[
          { key: "created", header: t("common.created"), cell: (n) => formatDateTime(n.createdAt) },
          { key: "to", header: t("notifications.recipients"), cell: (n) => n.recipients.join(", ") },
          {
            key: "subject",
            header: t("notifications.subject"),
            cell: (n) => (
              <details>
                <summary>{n.subject}</summary>
                <pre className="mail-body">{n.bodyText}</pre>
              </details>
            ),
          },
          {
            key: "status",
            header: t("common.status"),
            cell: (n) => (
              <>
                <span className={`badge badge-${n.status}`}>{t(`notificationStatus.${n.status}`, { defaultValue: n.status })}</span>
                {n.lastError && <span className="error small"> {n.lastError}</span>}
              </>
            ),
          },
          { key: "attempts", header: t("notifications.attempts"), className: "num", cell: (n) => formatNumber(n.attempts) },
          { key: "sent", header: t("notifications.sentAt"), cell: (n) => formatDateTime(n.sentAt) },
        ]}
      />
    </section>
  );
}
