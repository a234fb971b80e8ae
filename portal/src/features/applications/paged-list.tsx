/** One server-paged list as every page of this area shows it: problem, loading, empty, or table and pages. */
import type { ReactNode } from "react";
import type { Loaded } from "../../hooks.js";
import { Table, Pagination, type Column } from "../../components/table.js";
import { Loading, Empty, ProblemMessage } from "../../components/states.js";
import type { Paged } from "../../api/resources.js";

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
  if (list.error !== undefined) return <ProblemMessage error={list.error} onRetry={list.reload} />;
  if (list.loading && !list.data) return <Loading />;
  const data = list.data!;
  if (data.total === 0) return <Empty>{empty}</Empty>;
  return (
    <>
      <Table<T> caption={caption} rows={data.items} rowKey={rowKey} rowClass={rowClass} columns={columns} />
      <Pagination total={data.total} limit={limit} offset={offset} onOffset={onOffset} />
    </>
  );
}
