import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/client.js";
import { useSession } from "../../session.js";
import { TextField, focusFirstError } from "../../components/fields.js";
import { ProblemMessage } from "../../components/states.js";
import { useTitle } from "../../hooks.js";
import { LanguageSwitch } from "../../layout.js";

export function LoginPage({ expired }: { expired: boolean }) {
  const { t } = useTranslation();
  const session = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [missing, setMissing] = useState<Record<string, string>>({});
  const form = useRef<HTMLFormElement>(null);
  useTitle(t("login.title"));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const m: Record<string, string> = {};
    if (!username.trim()) m.username = t("validation.required");
    if (!password) m.password = t("validation.required");
    setMissing(m);
    if (Object.keys(m).length) return focusFirstError(form.current);
    setBusy(true);
    setError(undefined);
    try {
      await session.login(username.trim(), password);
    } catch (err) {
      setError(err);
      setPassword("");
      if (err instanceof ApiError && err.code === "QQ_ERR_BAD_CREDENTIALS") focusFirstError(form.current);
    } finally {
      setBusy(false);
    }
  }

  const wrong = error instanceof ApiError && error.code === "QQ_ERR_BAD_CREDENTIALS";
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
          <TextField label={t("login.username")} name="username" autoComplete="username" value={username} onValue={setUsername} error={missing.username} required autoFocus />
          <TextField label={t("login.password")} name="password" type="password" autoComplete="current-password" value={password} onValue={setPassword} error={missing.password ?? (wrong ? t("login.wrong") : undefined)} required />
          {error !== undefined && !wrong && <ProblemMessage error={error} />}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? t("login.signingIn") : t("login.submit")}
            </button>
          </div>
        </form>
      </main>
    </div>
  );
}
