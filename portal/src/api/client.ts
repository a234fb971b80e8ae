/**
 * The thin HTTP client under every API call of the portal.
 *
 *   - Session: the control plane sets an HttpOnly SameSite=Strict cookie at login; the portal never sees it.
 *     Mutating calls carry the CSRF token that login returned (X-CSRF-Token), kept in localStorage so a
 *     reload or a second tab keeps working; logout forgets it.
 *   - Failures arrive as RFC 9457 problem+json with a stable `code` (QQ_ERR_*), a `detail`, and for
 *     validation `errors[{path, message}]` (JSON pointer into the body) or, for the catalogue import,
 *     `errors[{line, column, code, message}]`. They become an ApiError the forms render field by field.
 *   - 401 (other than a wrong password at login) means the session is gone: listeners send the user to the
 *     login page.
 */
import type { ProblemCode } from "../../../src/contract/problem.js";

export interface FieldError {
  path: string;
  message: string;
}

export interface RowError {
  line: number;
  column?: string;
  code: string;
  message: string;
}

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: ProblemCode | "QQ_ERR_NETWORK" | string,
    readonly title: string,
    readonly detail: string,
    readonly fieldErrors: FieldError[] = [],
    readonly rowErrors: RowError[] = [],
  ) {
    super(detail || title);
  }

  /** Field errors keyed by JSON pointer (`/bin`, `/contacts/0/email`). */
  byPath(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.fieldErrors) out[e.path] ??= e.message;
    return out;
  }
}

const CSRF_KEY = "qaqpa.csrf";
export const csrf = {
  get: (): string | null => localStorage.getItem(CSRF_KEY),
  set: (v: string) => localStorage.setItem(CSRF_KEY, v),
  clear: () => localStorage.removeItem(CSRF_KEY),
};

type Listener = () => void;
const unauthenticated = new Set<Listener>();
export function onUnauthenticated(l: Listener): () => void {
  unauthenticated.add(l);
  return () => unauthenticated.delete(l);
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export interface RequestOptions {
  query?: Query;
  /** JSON body */
  body?: unknown;
  /** text body sent as text/csv */
  csv?: string;
  signal?: AbortSignal;
  /** a 401 is an answer for this call (login), not a lost session */
  expect401?: boolean;
}

export async function request<T>(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json, application/problem+json" };
  let body: string | undefined;
  if (opts.csv !== undefined) {
    headers["content-type"] = "text/csv; charset=utf-8";
    body = opts.csv;
  } else if (opts.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  const token = csrf.get();
  if (method !== "GET" && token) headers["x-csrf-token"] = token;

  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), { method, headers, body, credentials: "same-origin", signal: opts.signal });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(0, "QQ_ERR_NETWORK", "Network error", (e as Error).message);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.ok) return json as T;

  const p = (json ?? {}) as { code?: string; title?: string; detail?: string; errors?: unknown[] };
  const errors = Array.isArray(p.errors) ? p.errors : [];
  const fieldErrors = errors.filter((e): e is FieldError => typeof (e as FieldError).path === "string");
  const rowErrors = errors.filter((e): e is RowError => typeof (e as RowError).line === "number");
  const err = new ApiError(res.status, p.code ?? `HTTP_${res.status}`, p.title ?? res.statusText, p.detail ?? "", fieldErrors, rowErrors);
  if (res.status === 401 && !opts.expect401) for (const l of unauthenticated) l();
  throw err;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>("GET", path, { query, signal }),
  post: <T>(path: string, body?: unknown, query?: Query) => request<T>("POST", path, { body, query }),
  put: <T>(path: string, body?: unknown) => request<T>("PUT", path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, { body }),
  del: (path: string) => request<void>("DELETE", path),
};
