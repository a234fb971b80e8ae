import { useTranslation } from "react-i18next";
import { contracts, type Contract } from "../../api/resources.js";
import { useLoad } from "../../hooks.js";
import { useCan } from "../../session.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { PagedList } from "../../components/table.js";
import { SelectField } from "../../components/fields.js";
import { EntitySelect, localName, useNames } from "../../components/names.js";
import { formatDate } from "../../i18n/format.js";

const LIMIT = 20;
export const CONTRACT_STATUSES = ["active", "suspended", "terminated"] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

export function ContractsPage() {
  const { t } = useTranslation();
  const can = useCan();
  const { query } = useLocation();
  const organisationId = query.get("organisationId") ?? "";
  const operatorId = query.get("operatorId") ?? "";
  const status = (query.get("status") ?? "") as ContractStatus | "";
  const offset = Number(query.get("offset") ?? 0) || 0;
  const list = useLoad(
    (signal) => contracts.list({ organisationId: organisationId || undefined, operatorId: operatorId || undefined, status: status || undefined, limit: LIMIT, offset }, signal),
    [organisationId, operatorId, status, offset],
  );
  const items = list.data?.items ?? [];
  const orgs = useNames("organisation", items.map((c) => c.organisationId));
  const ops = useNames("operator", items.map((c) => c.operatorId));
  const filtered = Boolean(organisationId || operatorId || status);
  return (
    <section>
      <PageHeader title={t("contracts.title")} lead={t("contracts.lead")}>
        {can("contract.write") && (
          <Link to="/contracts/new" className="btn btn-primary">
            {t("contracts.new")}
          </Link>
        )}
      </PageHeader>
      <div className="filters" role="search">
        <EntitySelect kind="organisation" label={t("common.organisation")} value={organisationId} onValue={(v) => setQuery({ organisationId: v, offset: undefined })} allowEmpty emptyLabel={t("common.all")} />
        <EntitySelect kind="operator" label={t("common.operator")} value={operatorId} onValue={(v) => setQuery({ operatorId: v, offset: undefined })} allowEmpty emptyLabel={t("common.all")} />
        <SelectField label={t("common.status")} value={status} onValue={(v) => setQuery({ status: v, offset: undefined })} options={[{ value: "", label: t("common.all") }, ...CONTRACT_STATUSES.map((s) => ({ value: s, label: t(`contractStatus.${s}`) }))]} />
      </div>
      <PagedList<Contract>
        list={list}
        caption={t("contracts.title")}
        empty={filtered ? t("common.noMatches") : t("contracts.empty")}
        offset={offset}
        limit={LIMIT}
        onOffset={(o) => setQuery({ offset: o || undefined })}
        rowKey={(c) => c.id}
        columns={[
          { key: "number", header: t("contracts.number"), cell: (c) => <Link to={`/contracts/${c.id}`}>{c.number}</Link> },
          { key: "org", header: t("common.organisation"), cell: (c) => localName(orgs[c.organisationId]) },
          { key: "op", header: t("common.operator"), cell: (c) => localName(ops[c.operatorId]) },
          { key: "from", header: t("contracts.validFrom"), cell: (c) => formatDate(c.validFrom) },
          { key: "to", header: t("contracts.validTo"), cell: (c) => formatDate(c.validTo) },
          { key: "status", header: t("common.status"), cell: (c) => <span className={`badge badge-${c.status}`}>{t(`contractStatus.${c.status}`)}</span> },
        ]}
      />
    </section>
  );
}
