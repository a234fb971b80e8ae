import type { Running } from "../../src/app.js";

/** Log in as the all-in-one's administrator and mint an API token for the test (the same path a person takes). */
export async function adminToken(app: Running, password: string, name = "e2e"): Promise<string> {
  const login = await fetch(app.urls.api + "/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password }) });
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
  const t = await fetch(app.urls.api + "/tokens", { method: "POST", headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json" }, body: JSON.stringify({ name }) });
  return ((await t.json()) as { token: string }).token;
}
