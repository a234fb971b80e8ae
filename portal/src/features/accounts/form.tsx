/** A new account: role, and for operator or organisation staff the scope it is bound to. The initial password must be changed at first login. */
import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ROLES, type Role } from "../../../../src/domain/authz.js";
import { accounts } from "../../api/resources.js";
import { navigate } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { FormActions } from "../../components/form-actions.js";
import { SelectField, TextField } from "../../components/fields.js";
import { EntitySelect } from "../../components/names.js";
import { useSubmit } from "../../hooks.js";

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function AccountFormPage() {
  const { t } = useTranslation();
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role | "">("");
  const [operatorId, setOperatorId] = useState("");
  const [organisationId, setOrganisationId] = useState("");
  const [password, setPassword] = useState("");
  const form = useRef<HTMLFormElement>(null);
  const save = useSubmit(form, (err) => (err.fieldErrors.length ? err.byPath() : err.code === "QQ_ERR_DUPLICATE" ? { "/username": err.detail } : {}));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const m: Record<string, string> = {};
    if (!USERNAME.test(username)) m["/username"] = t("accounts.usernameRule");
    if (!displayName.trim()) m["/displayName"] = t("validation.required");
    if (email.trim() && !EMAIL.test(email.trim())) m["/email"] = t("validation.email");
    if (!role) m["/role"] = t("validation.required");
    if (role === "operator_staff" && !operatorId) m["/operatorId"] = t("validation.required");
    if (role === "organisation_staff" && !organisationId) m["/organisationId"] = t("validation.required");
    if (password.length < 12) m["/password"] = t("password.tooShort", { count: 12 });
    if (save.invalid(m)) return;
    await save.run(async () => {
      await accounts.create({
        username,
        displayName: displayName.trim(),
        role: role as Role,
        password,
        ...(email.trim() ? { email: email.trim() } : {}),
        ...(role === "operator_staff" ? { operatorId } : {}),
        ...(role === "organisation_staff" ? { organisationId } : {}),
      });
      navigate("/accounts", { replace: true });
    });
  }

  return (
    <section>
      <PageHeader title={t("accounts.new")} lead={t("accounts.newLead")}>
        <Link to="/accounts" className="btn">
          {t("common.backToList")}
        </Link>
      </PageHeader>
      <form ref={form} onSubmit={submit} noValidate className="form">
        <div className="grid-2">
          <TextField label={t("accounts.username")} hint={t("accounts.usernameRule")} value={username} onValue={(v) => setUsername(v.toLowerCase())} error={save.fields["/username"]} path="/username" autoComplete="off" spellCheck={false} required />
          <TextField label={t("accounts.displayName")} value={displayName} onValue={setDisplayName} error={save.fields["/displayName"]} path="/displayName" required />
          <TextField label={t("contacts.email")} type="email" value={email} onValue={setEmail} error={save.fields["/email"]} path="/email" />
          <SelectField label={t("accounts.role")} value={role} onValue={(v) => setRole(v as Role)} error={save.fields["/role"]} path="/role" required options={[...(role ? [] : [{ value: "", label: t("common.choose") }]), ...ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))]} />
          {role === "operator_staff" && <EntitySelect kind="operator" label={t("common.operator")} value={operatorId} onValue={setOperatorId} error={save.fields["/operatorId"]} path="/operatorId" required />}
          {role === "organisation_staff" && <EntitySelect kind="organisation" label={t("common.organisation")} value={organisationId} onValue={setOrganisationId} error={save.fields["/organisationId"]} path="/organisationId" required />}
          <TextField label={t("accounts.initialPassword")} hint={t("accounts.initialHint")} type="password" autoComplete="new-password" value={password} onValue={setPassword} error={save.fields["/password"]} path="/password" required />
        </div>
        <FormActions submit={save} problem={save.error} label={t("accounts.create")} />
      </form>
    </section>
  );
}
