import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Submit } from "../hooks.js";
import { ProblemMessage } from "./states.js";

/**
 * The end of a form: the failure of its submit in a banner right above the buttons, where the reader is
 * after pressing one, then the buttons with the submit last. The submit is disabled while the action runs,
 * so a second press does not send it twice.
 */
export function FormActions(props: {
  submit: Pick<Submit, "busy" | "problem">;
  label: string;
  /** the submit's text while the action runs, where it takes long enough to say so */
  busyLabel?: string;
  /**
   * what the banner shows instead of `submit.problem`, even when undefined: `submit.error` to repeat a
   * failure that landed on a field, or nothing where the page announces the failure elsewhere
   */
  problem?: unknown;
  /** a Cancel before the submit; with `focusCancel` it takes the focus when a dialog opens, the safe choice */
  onCancel?: () => void;
  focusCancel?: boolean;
  /** a destructive action: the submit in the danger colour */
  danger?: boolean;
  /** fields outside a <form> (a dialog): the submit is a plain button that runs this */
  onClick?: () => void;
  /** buttons of their own, before Cancel and the submit */
  children?: ReactNode;
}) {
  const { submit, label, busyLabel, onCancel, focusCancel, danger, onClick, children } = props;
  const { t } = useTranslation();
  const problem = "problem" in props ? props.problem : submit.problem;
  return (
    <>
      {problem !== undefined && <ProblemMessage error={problem} />}
      <div className="form-actions">
        {children}
        {onCancel && (
          <button type="button" className="btn" data-autofocus={focusCancel ? true : undefined} onClick={onCancel}>
            {t("common.cancel")}
          </button>
        )}
        <button type={onClick ? "button" : "submit"} className={`btn ${danger ? "btn-danger" : "btn-primary"}`} disabled={submit.busy} onClick={onClick}>
          {submit.busy && busyLabel ? busyLabel : label}
        </button>
      </div>
    </>
  );
}
