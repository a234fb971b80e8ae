/**
 * Who is logged in. The account comes from GET /api/auth/me at start and from POST /api/auth/login; any
 * 401 from the API drops it, which shows the login page. What the navigation offers follows the role
 * through the permission table of src/domain/authz.ts (the same table the API enforces).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { PERMISSIONS, type Permission, type Role } from "../../src/domain/authz.js";
import { ApiError, csrf, onUnauthenticated } from "./api/client.js";
import { auth, type Account } from "./api/resources.js";

type State = { status: "loading" } | { status: "anonymous"; expired: boolean } | { status: "ready"; account: Account };

interface Session {
  state: State;
  login(username: string, password: string): Promise<Account>;
  logout(): Promise<void>;
  refresh(): Promise<void>;
}

const Ctx = createContext<Session | null>(null);

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ status: "loading" });

  const refresh = useCallback(async () => {
    try {
      setState({ status: "ready", account: await auth.me() });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setState({ status: "anonymous", expired: false });
      else throw e;
    }
  }, []);

  useEffect(() => {
    refresh().catch(() => setState({ status: "anonymous", expired: false }));
    return onUnauthenticated(() => {
      csrf.clear();
      setState((s) => ({ status: "anonymous", expired: s.status === "ready" }));
    });
  }, [refresh]);

  const value = useMemo<Session>(
    () => ({
      state,
      refresh,
      async login(username, password) {
        const r = await auth.login(username, password);
        csrf.set(r.csrfToken);
        setState({ status: "ready", account: r.account });
        return r.account;
      },
      async logout() {
        try {
          await auth.logout();
        } finally {
          csrf.clear();
          setState({ status: "anonymous", expired: false });
        }
      },
    }),
    [state, refresh],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}

/** The logged-in account (only inside the authenticated layout). */
export function useAccount(): Account {
  const s = useSession().state;
  if (s.status !== "ready") throw new Error("no account");
  return s.account;
}

export function useCan(): (p: Permission) => boolean {
  const a = useAccount();
  return (p) => can(a.role, p);
}
