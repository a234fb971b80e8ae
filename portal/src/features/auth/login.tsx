import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../session.js";
import { TextField } from "../../components/fields.js";
import { FormActions } from "../../components/form-actions.js";
import { useSubmit, useTitle } from "../../hooks.js";
import { LanguageSwitch } from "../../layout.js";

export function LoginPage({ expired }: { expired: boolean }) {
  const { t } = useTranslation();
  const session = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const form = useRef<HTMLFormElement>(null);
  const signIn = useSubmit(form, (err): Record<string, string> => (err.code === "QQ_ERR_BAD_CREDENTIALS" ? { password: t("login.wrong") } : {}));
  useTitle(t("login.title"));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const m: Record<string, string> = {};
    if (!username.trim()) m.username = t("validation.required");
    if (!password) m.password = t("validation.required");
    if (signIn.invalid(m)) return;
    if (!(await signIn.run(() => session.login(username.trim(), password)))) setPassword("");
  }

  return (
    <div className="login-screen">
      <header className="login-top">
        <LanguageSwitch />
      </header>
      <main id="main" className="login-card">
        <h1>{t("login.title")}</h1>
        <p className="lead">{t("app.tagline")}</p>
        {expired && (
          <p className="notice" role="status">
            {t("login.expired")}
          </p>
        )}
        <form ref={form} onSubmit={submit} noValidate>
          <TextField label={t("login.username")} name="username" autoComplete="username" value={username} onValue={setUsername} error={signIn.fields.username} required autoFocus />
          <TextField label={t("login.password")} name="password" type="password" autoComplete="current-password" value={password} onValue={setPassword} error={signIn.fields.password} required />
          <FormActions submit={signIn} label={t("login.submit")} busyLabel={t("login.signingIn")} />
        </form>
      </main>
    </div>
  );
}
