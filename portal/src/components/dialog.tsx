/**
 * Modal dialogs on the native <dialog> element: showModal() makes the rest of the page inert, keeps focus
 * inside, and closes on Escape; focus returns to the control that opened it.
 */
import { useEffect, useRef, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

export function Modal({ title, open, onClose, children, variant = "dialog" }: { title: string; open: boolean; onClose: () => void; children: ReactNode; variant?: "dialog" | "drawer" }) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const { t } = useTranslation();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      opener.current = document.activeElement;
      d.showModal();
      // React's autoFocus runs before the dialog opens; move focus to the marked control once it is shown.
      d.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    } else if (!open && d.open) {
      d.close();
    }
  }, [open]);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const closed = () => {
      onClose();
      if (opener.current instanceof HTMLElement) opener.current.focus();
    };
    d.addEventListener("close", closed);
    return () => d.removeEventListener("close", closed);
  }, [onClose]);
  const titleId = `dlg-${title.replace(/\W+/g, "-")}`;
  return (
    <dialog ref={ref} className={variant} aria-labelledby={titleId}>
      {open && (
        <div className="dialog-body">
          <header className="dialog-header">
            <h2 id={titleId}>{title}</h2>
            <button type="button" className="btn btn-ghost" onClick={() => ref.current?.close()} aria-label={t("common.close")}>
              ×
            </button>
          </header>
          {children}
        </div>
      )}
    </dialog>
  );
}

/** Asks before a destructive action; the safe choice (cancel) has the focus first. */
export function Confirm({ title, message, confirmLabel, open, busy, onConfirm, onCancel, children }: { title: string; message: ReactNode; confirmLabel: string; open: boolean; busy?: boolean; onConfirm: () => void; onCancel: () => void; children?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Modal title={title} open={open} onClose={onCancel}>
      <p>{message}</p>
      {children}
      <div className="form-actions">
        <button type="button" className="btn" data-autofocus onClick={onCancel}>
          {t("common.cancel")}
        </button>
        <button type="button" className="btn btn-danger" disabled={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
