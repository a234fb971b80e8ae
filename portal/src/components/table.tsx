import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { formatNumber } from "../i18n/format.js";
import type { Loaded } from "../hooks.js";
import type { Paged } from "../api/resources.js";
import { WhenLoaded } from "./states.js";

export interface Column<T> {
  key: string;
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

/** A data table with a caption (its accessible name) and column headers. */
export function Table<T>({ caption, columns, rows, rowKey, rowClass }: { caption: string; columns: Column<T>[]; rows: T[]; rowKey: (r: T) => string; rowClass?: (r: T) => string | undefined }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.className}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)} className={rowClass?.(r)}>
              {columns.map((c) => (
                <td key={c.key} className={c.className}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Server-side pagination: "21–40 of 134", previous / next. */
export function Pagination({ total, limit, offset, onOffset }: { total: number; limit: number; offset: number; onOffset: (o: number) => void }) {
  const { t } = useTranslation();
  if (total === 0) return null;
  const from = offset + 1;
  const to = Math.min(offset + limit, total);
  return (
    <nav className="pagination" aria-label={t("common.pagination")}>
      <p aria-live="polite">{t("common.range", { from: formatNumber(from), to: formatNumber(to), total: formatNumber(total) })}</p>
      <button type="button" className="btn" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))}>
        {t("common.previous")}
      </button>
      <button type="button" className="btn" disabled={offset + limit >= total} onClick={() => onOffset(offset + limit)}>
        {t("common.next")}
      </button>
    </nav>
  );
}

/** One server-paged list as every list page shows it: problem, loading, empty, or the table and its pages. */
export function PagedList<T>({
  list,
  caption,
  columns,
  rowKey,
  rowClass,
  empty,
  offset,
  limit,
  onOffset,
}: {
  list: Loaded<Paged<T>>;
  caption: string;
  columns: Column<T>[];
  rowKey: (r: T) => string;
  rowClass?: (r: T) => string | undefined;
  empty: ReactNode;
  offset: number;
  limit: number;
  onOffset: (o: number) => void;
}) {
  return (
    <WhenLoaded of={list} isEmpty={(d) => d.total === 0} empty={empty}>
      {(data) => (
        <>
          <Table<T> caption={caption} rows={data.items} rowKey={rowKey} rowClass={rowClass} columns={columns} />
          <Pagination total={data.total} limit={limit} offset={offset} onOffset={onOffset} />
        </>
      )}
    </WhenLoaded>
  );
}
