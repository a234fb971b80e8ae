import { useEffect, useRef, type ReactNode } from "react";
import { useTitle } from "../hooks.js";

/**
 * The page heading. It takes focus when the page opens, so a screen reader announces the new page and
 * the keyboard continues from the top of the content (WCAG 2.4.3).
 */
export function PageHeader({ title, children, lead }: { title: string; children?: ReactNode; lead?: ReactNode }) {
  useTitle(title);
  const h = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    h.current?.focus({ preventScroll: true });
  }, []);
  return (
    <header className="page-header">
      <div>
        <h1 ref={h} tabIndex={-1}>
          {title}
        </h1>
        {lead && <p className="lead">{lead}</p>}
      </div>
      {children && <div className="page-actions">{children}</div>}
    </header>
  );
}
