/** The control-plane API of a running all-in-one as a test calls it, and a mail system connected through it. */
export type ApiCall = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: any }>;

/** Bearer-token calls to `<api>/…`; `base` and `token` are read at call time (set in `before`). */
export function bearerApi(base: () => string, token: () => string): ApiCall {
  return async (method, path, body) => {
    const r = await fetch(base() + path, { method, headers: { authorization: `Bearer ${token()}`, ...(body ? { "content-type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : undefined };
  };
}

/** UGEM p.9 as STS does it: a mail-gateway application for the organisation, then the `connected` event. */
export async function connectThroughApplications(api: ApiCall, o: { organisationId: string; domain: string; serverAddress: string; owner: string }): Promise<void> {
  const appl = await api("POST", "/applications/mail-gateway-connection", {
    organisationId: o.organisationId,
    document: { domain: o.domain, owner: o.owner, serverAddresses: [o.serverAddress], inbound: { host: "127.0.0.1", port: 2 }, contacts: [{ fullName: "Postmaster", email: `postmaster@${o.domain}` }] },
  });
  if (appl.status !== 201) throw new Error(`application: ${appl.status} ${JSON.stringify(appl.json)}`);
  const ev = await api("POST", `/applications/${appl.json.id}/events`, { type: "connected" });
  if (ev.status !== 200) throw new Error(`connected: ${ev.status} ${JSON.stringify(ev.json)}`);
}
