/**
 * Access policies (p.15-1, p.16) and exceptions (p.15-2) per organisation, as the gateway applies them: the
 * current one-year policy with its categories and network addresses, earlier ones, and the exceptions for
 * VPN and other risky services until their expiry. Organisations read their own; STS and auditors choose.
 */
import { useTranslation } from "react-i18next";
import { useLoad } from "../../hooks.js";
import { useAccount, useCan } from "../../session.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { PagedList } from "../../components/table.js";
import { WhenLoaded } from "../../components/states.js";
import { EntitySelect, localName, useNames } from "../../components/names.js";
import { formatDate } from "../../i18n/format.js";
import { allPages, policies, type AccessPolicy, type PolicyException } from "../applications/api.js";
import { ExportButton } from "../applications/export-button.js";
import { useCategoryNames } from "../applications/category-names.js";

const LIMIT = 10;

function Status({ status }: { status: string }) {
  const { t } = useTranslation();
  return <span className={`badge badge-${status}`}>{t(`policyStatus.${status}`)}</span>;
}

interface ServiceEntry {
  name: string;
  kind: string;
  product?: string;
}

export function PoliciesPage() {
  const { t } = useTranslation();
  const account = useAccount();
  const can = useCan();
  const { query } = useLocation();
  const own = account.role === "organisation_staff";
  const organisationId = own ? undefined : query.get("organisationId") ?? undefined;
  const pOffset = Number(query.get("pOffset") ?? 0) || 0;
  const eOffset = Number(query.get("eOffset") ?? 0) || 0;
  const categoryName = useCategoryNames();
  const current = useLoad((signal) => policies.access({ organisationId, status: "active", limit: 50, offset: 0 }, signal), [organisationId]);
  const history = useLoad((signal) => policies.access({ organisationId, limit: LIMIT, offset: pOffset }, signal), [organisationId, pOffset]);
  const exceptions = useLoad((signal) => policies.exceptions({ organisationId, limit: LIMIT, offset: eOffset }, signal), [organisationId, eOffset]);
  const orgs = useNames("organisation", [...(current.data?.items ?? []), ...(history.data?.items ?? []), ...(exceptions.data?.items ?? [])].map((p) => p.organisationId));
  const org = (id: string) => localName(orgs[id]);
  return (
    <section>
      <PageHeader title={t("policies.title")} lead={t("policies.lead")}>
        {can("application.submit") && (
          <Link to="/applications/new?kind=access-policy" className="btn btn-primary">
            {t("policies.newList")}
          </Link>
        )}
      </PageHeader>
      {!own && (
        <div className="filters">
          <EntitySelect kind="organisation" label={t("common.organisation")} value={organisationId ?? ""} onValue={(v) => setQuery({ organisationId: v, pOffset: undefined, eOffset: undefined })} allowEmpty emptyLabel={t("common.all")} />
        </div>
      )}
      <section aria-labelledby="cur-h" className="panel">
        <h2 id="cur-h">{t("policies.current")}</h2>
        <WhenLoaded of={current} isEmpty={(d) => d.items.length === 0} empty={t("policies.noCurrent")}>
          {({ items }) =>
            items.map((p) => (
              <article key={p.id} className="policy-card" aria-label={org(p.organisationId)}>
                <h3>{org(p.organisationId)}</h3>
                <p>
                  {t("policies.validity", { from: formatDate(p.validFrom), to: formatDate(p.validTo) })} · <Link to={`/applications/${p.applicationId}`}>{t("policies.application")}</Link>
                </p>
                <div className="grid-2">
                  <div>
                    <h4>{t("appField.categories")}</h4>
                    <ul className="tag-list">
                      {p.categories.map((c) => (
                        <li key={c} className="tag">
                          {categoryName(c)}
                        </li>
                      ))}
                    </ul>
                  </div>
                  <div>
                    <h4>{t("appField.networks")}</h4>
                    <ul className="plain-list mono">
                      {p.networks.map((n) => (
                        <li key={n}>{n}</li>
                      ))}
                    </ul>
                  </div>
                </div>
              </article>
            ))
          }
        </WhenLoaded>
      </section>
      <section aria-labelledby="hist-h" className="panel">
        <h2 id="hist-h">{t("policies.history")}</h2>
        <ExportButton
          file="access-policies.csv"
          rows={async () =>
            (await allPages((p) => policies.access({ organisationId, ...p }))).map((p) => [p.organisationId, p.applicationId, p.categories.join(" "), p.networks.join(" "), p.validFrom, p.validTo, p.status])
          }
          header={["organisation_id", "application_id", "categories", "networks", "valid_from", "valid_to", "status"]}
        />
        <PagedList<AccessPolicy>
          list={history}
          caption={t("policies.history")}
          empty={t("policies.none")}
          offset={pOffset}
          limit={LIMIT}
          onOffset={(o) => setQuery({ pOffset: o || undefined })}
          rowKey={(p) => p.id}
          columns={[
            { key: "org", header: t("common.organisation"), cell: (p) => org(p.organisationId) },
            { key: "valid", header: t("policies.validColumn"), cell: (p) => `${formatDate(p.validFrom, "short")} – ${formatDate(p.validTo, "short")}` },
            { key: "cats", header: t("appField.categories"), cell: (p) => p.categories.map(categoryName).join(", ") },
            { key: "nets", header: t("appField.networks"), cell: (p) => <span className="mono">{p.networks.join(", ")}</span> },
            { key: "status", header: t("common.status"), cell: (p) => <Status status={p.status} /> },
          ]}
        />
      </section>
      <section aria-labelledby="ex-h" className="panel">
        <h2 id="ex-h">{t("policies.exceptions")}</h2>
        <p className="muted">{t("policies.exceptionsLead")}</p>
        <ExportButton
          file="policy-exceptions.csv"
          rows={async () =>
            (await allPages((p) => policies.exceptions({ organisationId, ...p }))).map((p) => [p.organisationId, p.applicationId, (p.services as ServiceEntry[]).map((x) => `${x.name} (${x.kind})`).join("; "), p.destinations.join(" "), p.networks.join(" "), p.expiresOn, p.status])
          }
          header={["organisation_id", "application_id", "services", "destinations", "networks", "expires_on", "status"]}
        />
        <PagedList<PolicyException>
          list={exceptions}
          caption={t("policies.exceptions")}
          empty={t("policies.noExceptions")}
          offset={eOffset}
          limit={LIMIT}
          onOffset={(o) => setQuery({ eOffset: o || undefined })}
          rowKey={(p) => p.id}
          columns={[
            { key: "org", header: t("common.organisation"), cell: (p) => org(p.organisationId) },
            { key: "svc", header: t("appField.services"), cell: (p) => (p.services as ServiceEntry[]).map((s) => `${s.name} (${t(`appOption.${s.kind}`)})`).join(", ") },
            { key: "dest", header: t("appField.destinations"), cell: (p) => <span className="mono">{p.destinations.join(", ") || "—"}</span> },
            { key: "nets", header: t("appField.networks"), cell: (p) => <span className="mono">{p.networks.join(", ")}</span> },
            { key: "exp", header: t("policies.expiresOn"), cell: (p) => formatDate(p.expiresOn) },
            { key: "status", header: t("common.status"), cell: (p) => <Status status={p.status} /> },
          ]}
        />
      </section>
    </section>
  );
}
