/** Loading, empty and error states, the same on every page. */
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client.js";
import type { Loaded } from "../hooks.js";

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label ?? t("common.loading")}
    </p>
  );
}

/** The outcome of the last action on a page ("prefix added"), announced to screen readers; nothing when empty. */
export function Notice({ text }: { text: ReactNode }) {
  if (!text) return null;
  return (
    <p className="notice notice-ok" role="status">
      {text}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** The title of a problem in the chosen language (by its stable code), with the server's detail. */
export function problemText(t: (k: string, o?: { defaultValue: string }) => string, e: unknown): { title: string; detail: string } {
  if (e instanceof ApiError) {
    const title = t(`problem.${e.code}`, { defaultValue: e.title });
    return { title, detail: e.detail && e.detail !== e.title ? e.detail : "" };
  }
  return { title: t("problem.QQ_ERR_INTERNAL"), detail: e instanceof Error ? e.message : String(e) };
}

export function ProblemMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const { title, detail } = problemText(t, error);
  return (
    <div className="problem" role="alert">
      <p className="problem-title">{title}</p>
      {detail && <p className="problem-detail">{detail}</p>}
      {onRetry && (
        <button type="button" className="btn" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}

/**
 * What a page shows of something it loads: the problem (with a retry), loading, the empty text, or
 * `children` with the data. On a reload the previous data stays on screen until the new one arrives, so a
 * filter or a page turn does not blank the list; `fresh` shows loading instead, for an answer to a
 * question the reader has just changed, where the previous one would be read as the new one.
 */
export function WhenLoaded<T>({
  of,
  isEmpty,
  empty,
  fresh = false,
  children,
}: {
  of: Loaded<T>;
  /** whether the data has nothing to show; `empty` then stands instead of `children` */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  fresh?: boolean;
  children: (data: T) => ReactNode;
}) {
  if (of.error !== undefined) return <ProblemMessage error={of.error} onRetry={of.reload} />;
  if (of.data === undefined || (fresh && of.loading)) return <Loading />;
  if (isEmpty?.(of.data)) return <Empty>{empty}</Empty>;
  return children(of.data);
}
