import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { auth } from "../../api/resources.js";
import { useAccount, useSession } from "../../session.js";
import { TextField } from "../../components/fields.js";
import { Notice } from "../../components/states.js";
import { FormActions } from "../../components/form-actions.js";
import { PageHeader } from "../../components/page.js";
import { navigate } from "../../router.js";
import { useSubmit } from "../../hooks.js";

/** Password change; forced (nothing else reachable) while the account must change its initial password. */
export function PasswordPage() {
  const { t } = useTranslation();
  const account = useAccount();
  const session = useSession();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [done, setDone] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const change = useSubmit(form, (err) => (err.code === "QQ_ERR_BAD_CREDENTIALS" ? { "/currentPassword": t("password.wrongCurrent") } : err.byPath()));
  const forced = account.mustChangePassword;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const m: Record<string, string> = {};
    if (!current) m["/currentPassword"] = t("validation.required");
    if (next.length < 12) m["/newPassword"] = t("password.tooShort", { count: 12 });
    else if (next === current) m["/newPassword"] = t("password.same");
    if (repeat !== next) m.repeat = t("password.mismatch");
    if (change.invalid(m)) return;
    await change.run(async () => {
      await auth.changePassword(current, next);
      setDone(true);
      setCurrent("");
      setNext("");
      setRepeat("");
      await session.refresh();
      if (forced) navigate("/", { replace: true });
    });
  }

  return (
    <section className="narrow">
      <PageHeader title={t("password.title")} lead={forced ? t("password.forced") : undefined} />
      <Notice text={done && t("password.changed")} />
      <form ref={form} onSubmit={submit} noValidate>
        <TextField label={t("password.current")} type="password" autoComplete="current-password" value={current} onValue={setCurrent} error={change.fields["/currentPassword"]} path="/currentPassword" required />
        <TextField label={t("password.new")} type="password" autoComplete="new-password" value={next} onValue={setNext} error={change.fields["/newPassword"]} path="/newPassword" hint={t("password.rule", { count: 12 })} required />
        <TextField label={t("password.repeat")} type="password" autoComplete="new-password" value={repeat} onValue={setRepeat} error={change.fields.repeat} required />
        <FormActions submit={change} label={t("password.submit")} />
      </form>
    </section>
  );
}
