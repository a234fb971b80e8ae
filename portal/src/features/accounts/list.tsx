import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ROLES, type Role } from "../../../../src/domain/authz.js";
import { accounts, type Account } from "../../api/resources.js";
import { useLoad, useSubmit } from "../../hooks.js";
import { useAccount, useCan } from "../../session.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { PagedList } from "../../components/table.js";
import { FormActions } from "../../components/form-actions.js";
import { Checkbox, SelectField, TextField } from "../../components/fields.js";
import { Modal } from "../../components/dialog.js";
import { localName, useNames } from "../../components/names.js";
import { formatDateTime } from "../../i18n/format.js";

const LIMIT = 20;

export function AccountsPage() {
  const { t } = useTranslation();
  const can = useCan();
  const { query } = useLocation();
  const role = (query.get("role") ?? "") as Role | "";
  const offset = Number(query.get("offset") ?? 0) || 0;
  const list = useLoad((signal) => accounts.list({ role: role || undefined, limit: LIMIT, offset }, signal), [role, offset]);
  const items = list.data?.items ?? [];
  const orgs = useNames("organisation", items.map((a) => a.organisationId));
  const ops = useNames("operator", items.map((a) => a.operatorId));
  const [editing, setEditing] = useState<Account | null>(null);
  const scope = (a: Account) => (a.operatorId ? localName(ops[a.operatorId]) : a.organisationId ? localName(orgs[a.organisationId]) : t("accounts.allScope"));
  return (
    <section>
      <PageHeader title={t("accounts.title")} lead={t("accounts.lead")}>
        {can("account.write") && (
          <Link to="/accounts/new" className="btn btn-primary">
            {t("accounts.new")}
          </Link>
        )}
      </PageHeader>
      <div className="filters" role="search">
        <SelectField label={t("accounts.role")} value={role} onValue={(v) => setQuery({ role: v, offset: undefined })} options={[{ value: "", label: t("common.all") }, ...ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))]} />
      </div>
      <PagedList<Account>
        list={list}
        caption={t("accounts.title")}
        empty={t("common.noMatches")}
        offset={offset}
        limit={LIMIT}
        onOffset={(o) => setQuery({ offset: o || undefined })}
        rowKey={(a) => a.id}
        columns={[
          { key: "username", header: t("accounts.username"), cell: (a) => <span className="mono">{a.username}</span> },
          { key: "name", header: t("accounts.displayName"), cell: (a) => a.displayName },
          { key: "role", header: t("accounts.role"), cell: (a) => t(`role.${a.role}`) },
          { key: "scope", header: t("accounts.scope"), cell: scope },
          {
            key: "state",
            header: t("common.status"),
            cell: (a) => (a.disabled ? <span className="badge badge-terminated">{t("accounts.disabled")}</span> : a.mustChangePassword ? <span className="badge badge-suspended">{t("accounts.mustChange")}</span> : <span className="badge badge-active">{t("accounts.active")}</span>),
          },
          { key: "created", header: t("common.created"), cell: (a) => formatDateTime(a.createdAt) },
          ...(can("account.write")
            ? [
                {
                  key: "actions",
                  header: t("common.actions"),
                  className: "actions",
                  cell: (a: Account) => (
                    <button type="button" className="btn btn-small" onClick={() => setEditing(a)} aria-label={t("accounts.editOne", { username: a.username })}>
                      {t("common.edit")}
                    </button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Modal title={editing ? t("accounts.editOne", { username: editing.username }) : t("common.edit")} open={editing !== null} onClose={() => setEditing(null)}>
        {editing && (
          <EditAccount
            account={editing}
            onSaved={() => {
              setEditing(null);
              list.reload();
            }}
          />
        )}
      </Modal>
    </section>
  );
}

function EditAccount({ account, onSaved }: { account: Account; onSaved: () => void }) {
  const { t } = useTranslation();
  const me = useAccount();
  const [displayName, setDisplayName] = useState(account.displayName);
  const [email, setEmail] = useState(account.email ?? "");
  const [disabled, setDisabled] = useState(account.disabled);
  const [password, setPassword] = useState("");
  const form = useRef<HTMLFormElement>(null);
  const save = useSubmit(form);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const m: Record<string, string> = {};
    if (!displayName.trim()) m["/displayName"] = t("validation.required");
    if (password && password.length < 12) m["/password"] = t("password.tooShort", { count: 12 });
    if (save.invalid(m)) return;
    await save.run(async () => {
      await accounts.update(account.id, { displayName: displayName.trim(), email: email.trim() || null, disabled, ...(password ? { password } : {}) });
      onSaved();
    });
  }
  return (
    <form ref={form} onSubmit={submit} noValidate>
      <TextField label={t("accounts.displayName")} value={displayName} onValue={setDisplayName} error={save.fields["/displayName"]} path="/displayName" required />
      <TextField label={t("contacts.email")} type="email" value={email} onValue={setEmail} error={save.fields["/email"]} path="/email" />
      <TextField label={t("accounts.resetPassword")} hint={t("accounts.resetHint")} type="password" autoComplete="new-password" value={password} onValue={setPassword} error={save.fields["/password"]} path="/password" />
      {account.id !== me.id && <Checkbox label={t("accounts.disable")} checked={disabled} onValue={setDisabled} />}
      <FormActions submit={save} label={t("common.save")} />
    </form>
  );
}
