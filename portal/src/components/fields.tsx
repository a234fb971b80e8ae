/**
 * Labelled form fields. Each has a visible label, an optional hint, and its error right under it, tied
 * together with aria-describedby and aria-invalid, so the message is read with the field (WCAG 3.3.1).
 */
import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";

interface Common {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  /** the JSON pointer of the field in the request body; forms focus the first field with an error */
  path?: string;
}

function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return ids || undefined;
}

function Frame({ id, label, hint, error, required, children }: Common & { id: string; required?: boolean | undefined; children: ReactNode }) {
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <div className="label-row">
        <label htmlFor={id}>{label}</label>
        {/* the input's own `required` tells assistive technology; the star is for the eye */}
        {required && (
          <span className="required-mark" aria-hidden="true">
            *
          </span>
        )}
      </div>
      {children}
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function TextField({ label, hint, error, path, onValue, ...input }: Common & InputHTMLAttributes<HTMLInputElement> & { onValue?: (v: string) => void }) {
  const id = useId();
  return (
    <Frame id={id} label={label} hint={hint} error={error} required={input.required}>
      <input
        id={id}
        data-path={path}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        onChange={onValue ? (e) => onValue(e.target.value) : undefined}
        {...input}
      />
    </Frame>
  );
}

export function TextArea({ label, hint, error, path, onValue, ...input }: Common & TextareaHTMLAttributes<HTMLTextAreaElement> & { onValue?: (v: string) => void }) {
  const id = useId();
  return (
    <Frame id={id} label={label} hint={hint} error={error} required={input.required}>
      <textarea
        id={id}
        data-path={path}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        onChange={onValue ? (e) => onValue(e.target.value) : undefined}
        {...input}
      />
    </Frame>
  );
}

export function SelectField({
  label,
  hint,
  error,
  path,
  onValue,
  options,
  ...select
}: Common & SelectHTMLAttributes<HTMLSelectElement> & { onValue?: (v: string) => void; options: { value: string; label: string }[] }) {
  const id = useId();
  return (
    <Frame id={id} label={label} hint={hint} error={error} required={select.required}>
      <select id={id} data-path={path} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, hint, error)} onChange={onValue ? (e) => onValue(e.target.value) : undefined} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Frame>
  );
}

export function Checkbox({ label, checked, onValue }: { label: string; checked: boolean; onValue: (v: boolean) => void }) {
  const id = useId();
  return (
    <div className="field field-check">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onValue(e.target.checked)} />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}

/** Moves focus to the first field that shows an error (after React has rendered the messages). */
export function focusFirstError(form: HTMLElement | null): void {
  requestAnimationFrame(() => {
    const el = form?.querySelector<HTMLElement>("[aria-invalid='true']");
    el?.focus();
  });
}
