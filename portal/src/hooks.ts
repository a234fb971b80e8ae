import { useCallback, useEffect, useRef, useState, type RefObject } from "react";
import { ApiError } from "./api/client.js";
import { focusFirstError } from "./components/fields.js";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Runs `load` when `deps` change; aborts the previous call so a slow answer never overwrites a newer one. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const fn = useRef(load);
  fn.current = load;
  useEffect(() => {
    const ac = new AbortController();
    setLoading(true);
    setError(undefined);
    fn.current(ac.signal).then(
      (d) => {
        if (ac.signal.aborted) return;
        setData(d);
        setLoading(false);
      },
      (e: unknown) => {
        if (ac.signal.aborted) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** Sets document.title as "<page> · qaqpa". */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · qaqpa`;
  }, [title]);
}

export interface Submit {
  busy: boolean;
  /** the last failure as thrown; none while the action runs and after it succeeds */
  error: unknown;
  /** the last failure unless it landed on a field: what the page's banner shows */
  problem: unknown;
  /** messages by JSON pointer: the form's own checks, or the API's answer */
  fields: Record<string, string>;
  /** Shows the form's own checks and forgets the last failure; true when one failed. */
  invalid(errors: Record<string, string>): boolean;
  /** Runs `action`; resolves to whether it succeeded (a failure is kept here, never thrown). */
  run(action: () => Promise<unknown>): Promise<boolean>;
  /** Forgets the last failure and the field messages. */
  reset(): void;
}

/**
 * One action a page submits (a form, a confirmed dialog, a button): busy while it runs; on failure the
 * API's field errors by JSON pointer (as `toFields` maps them) and the rest for the page's banner. With
 * `form`, focus moves to the first field in error after a failed check or action, so the message is read
 * with its field (WCAG 3.3.1).
 */
export function useSubmit(form?: RefObject<HTMLElement | null>, toFields: (error: ApiError) => Record<string, string> = (e) => e.byPath()): Submit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [fields, setFields] = useState<Record<string, string>>({});
  function invalid(errors: Record<string, string>): boolean {
    setError(undefined);
    setFields(errors);
    if (Object.keys(errors).length === 0) return false;
    if (form) focusFirstError(form.current);
    return true;
  }
  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(undefined);
    setFields({});
    try {
      await action();
      return true;
    } catch (err) {
      setError(err);
      setFields(err instanceof ApiError ? toFields(err) : {});
      if (form) focusFirstError(form.current);
      return false;
    } finally {
      setBusy(false);
    }
  }
  function reset(): void {
    setError(undefined);
    setFields({});
  }
  const problem = Object.keys(fields).length ? undefined : error;
  return { busy, error, problem, fields, invalid, run, reset };
}
