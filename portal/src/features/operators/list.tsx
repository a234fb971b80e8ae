import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { operators, type TelecomOperator } from "../../api/resources.js";
import { useLoad } from "../../hooks.js";
import { useCan } from "../../session.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { PagedList } from "../../components/table.js";
import { TextField } from "../../components/fields.js";
import { localName } from "../../components/names.js";

const LIMIT = 20;

export function OperatorsPage() {
  const { t } = useTranslation();
  const can = useCan();
  const { query } = useLocation();
  const q = query.get("q") ?? "";
  const offset = Number(query.get("offset") ?? 0) || 0;
  const [search, setSearch] = useState(q);
  const list = useLoad((signal) => operators.list({ q: q || undefined, limit: LIMIT, offset }, signal), [q, offset]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ q: search.trim(), offset: undefined });
  };
  return (
    <section>
      <PageHeader title={t("operators.title")} lead={t("operators.lead")}>
        {can("operator.write") && (
          <Link to="/operators/new" className="btn btn-primary">
            {t("operators.new")}
          </Link>
        )}
      </PageHeader>
      <form className="filters" role="search" onSubmit={submit}>
        <TextField label={t("common.search")} hint={t("organisations.searchHint")} type="search" value={search} onValue={setSearch} />
        <button type="submit" className="btn">
          {t("common.apply")}
        </button>
      </form>
      <PagedList<TelecomOperator>
        list={list}
        caption={t("operators.title")}
        empty={q ? t("common.noMatches") : t("operators.empty")}
        offset={offset}
        limit={LIMIT}
        onOffset={(o) => setQuery({ offset: o || undefined })}
        rowKey={(o) => o.id}
        columns={[
          { key: "name", header: t("common.name"), cell: (o) => <Link to={`/operators/${o.id}`}>{localName(o)}</Link> },
          { key: "bin", header: t("common.bin"), cell: (o) => <span className="mono">{o.bin}</span> },
          { key: "asns", header: t("operators.asns"), cell: (o) => (o.asns.length ? o.asns.map((a) => `AS${a}`).join(", ") : "—") },
          { key: "emails", header: t("operators.emails"), cell: (o) => o.notificationEmails.join(", ") },
        ]}
      />
    </section>
  );
}
