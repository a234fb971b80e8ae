/**
 * A small History-API router: the control plane answers every non-API path with index.html, so deep
 * links and reloads work. List state (page, search, filters) lives in the query string, so the back
 * button and a shared link restore it.
 */
import { useSyncExternalStore } from "react";

const EVENT = "qaqpa:navigate";

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new Event(EVENT));
}

function subscribe(cb: () => void): () => void {
  window.addEventListener("popstate", cb);
  window.addEventListener(EVENT, cb);
  return () => {
    window.removeEventListener("popstate", cb);
    window.removeEventListener(EVENT, cb);
  };
}

const snapshot = () => location.pathname + location.search;

export function useLocation(): { path: string; query: URLSearchParams } {
  const s = useSyncExternalStore(subscribe, snapshot);
  const i = s.indexOf("?");
  return { path: i < 0 ? s : s.slice(0, i), query: new URLSearchParams(i < 0 ? "" : s.slice(i + 1)) };
}

/** Matches `/organisations/:id` against a path; returns the parameters or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const a = pattern.split("/").filter(Boolean);
  const b = path.split("/").filter(Boolean);
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const p = a[i]!;
    if (p.startsWith(":")) params[p.slice(1)] = decodeURIComponent(b[i]!);
    else if (p !== b[i]) return null;
  }
  return params;
}

/** Replaces some query parameters of the current location (empty values are removed). */
export function setQuery(changes: Record<string, string | number | undefined>, opts: { replace?: boolean } = {}): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === "") q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  navigate(location.pathname + (s ? `?${s}` : ""), opts);
}
