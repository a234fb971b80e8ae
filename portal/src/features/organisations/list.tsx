import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ORGANISATION_CLASSES, type OrganisationClass } from "../../../../src/domain/organisation.js";
import { organisations, type Organisation } from "../../api/resources.js";
import { useLoad } from "../../hooks.js";
import { useCan } from "../../session.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { PagedList } from "../../components/table.js";
import { SelectField, TextField } from "../../components/fields.js";
import { localName } from "../../components/names.js";

const LIMIT = 20;

export function OrganisationsPage() {
  const { t } = useTranslation();
  const can = useCan();
  const { query } = useLocation();
  const q = query.get("q") ?? "";
  const cls = (query.get("class") ?? "") as OrganisationClass | "";
  const offset = Number(query.get("offset") ?? 0) || 0;
  const [search, setSearch] = useState(q);
  const list = useLoad((signal) => organisations.list({ q: q || undefined, class: cls || undefined, limit: LIMIT, offset }, signal), [q, cls, offset]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ q: search.trim(), offset: undefined });
  };
  return (
    <section>
      <PageHeader title={t("organisations.title")} lead={t("organisations.lead")}>
        {can("organisation.write") && (
          <Link to="/organisations/new" className="btn btn-primary">
            {t("organisations.new")}
          </Link>
        )}
      </PageHeader>
      <form className="filters" role="search" onSubmit={submit}>
        <TextField label={t("common.search")} hint={t("organisations.searchHint")} type="search" value={search} onValue={setSearch} />
        <SelectField
          label={t("organisations.class")}
          value={cls}
          onValue={(v) => setQuery({ class: v, offset: undefined })}
          options={[{ value: "", label: t("common.all") }, ...ORGANISATION_CLASSES.map((c) => ({ value: c, label: t(`organisationClass.${c}`) }))]}
        />
        <button type="submit" className="btn">
          {t("common.apply")}
        </button>
      </form>
      <PagedList<Organisation>
        list={list}
        caption={t("organisations.title")}
        empty={q || cls ? t("common.noMatches") : t("organisations.empty")}
        offset={offset}
        limit={LIMIT}
        onOffset={(o) => setQuery({ offset: o || undefined })}
        rowKey={(o) => o.id}
        columns={[
          { key: "name", header: t("common.name"), cell: (o) => <Link to={`/organisations/${o.id}`}>{localName(o)}</Link> },
          { key: "bin", header: t("common.bin"), cell: (o) => <span className="mono">{o.bin}</span> },
          { key: "class", header: t("organisations.class"), cell: (o) => t(`organisationClass.${o.class}`) + (o.exempt ? ` · ${t("organisations.exempt")}` : "") },
          { key: "status", header: t("common.status"), cell: (o) => <span className={`badge badge-${o.status}`}>{t(`organisationStatus.${o.status}`)}</span> },
        ]}
      />
    </section>
  );
}
