/** Every change of one prefix — who, when, what before and after — read from the audit chain. */
import { useTranslation } from "react-i18next";
import { catalogue, type CataloguePrefix, type PrefixChange } from "../../api/resources.js";
import { useLoad } from "../../hooks.js";
import { Modal } from "../../components/dialog.js";
import { WhenLoaded } from "../../components/states.js";
import { formatDateTime } from "../../i18n/format.js";
import { localName, useNames } from "../../components/names.js";

const FIELDS = ["prefix", "organisationId", "operatorId", "contractId", "note"] as const;

function changes(c: PrefixChange): { field: string; before: string; after: string }[] {
  const b = (c.before ?? {}) as Record<string, unknown>;
  const a = (c.after ?? {}) as Record<string, unknown>;
  const show = (v: unknown) => (v === undefined || v === null || v === "" ? "—" : String(v));
  return FIELDS.filter((f) => show(b[f]) !== show(a[f])).map((f) => ({ field: f, before: show(b[f]), after: show(a[f]) }));
}

export function HistoryDrawer({ prefix, onClose }: { prefix: CataloguePrefix | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal variant="drawer" title={prefix ? t("catalogue.historyOf", { prefix: prefix.prefix }) : t("catalogue.history")} open={prefix !== null} onClose={onClose}>
      {prefix && <HistoryList id={prefix.id} />}
    </Modal>
  );
}

function HistoryList({ id }: { id: string }) {
  const { t } = useTranslation();
  const h = useLoad(() => catalogue.history(id), [id]);
  const ids = (f: "organisationId" | "operatorId") => (h.data ?? []).flatMap((c) => [(c.before as Record<string, string> | null)?.[f], (c.after as Record<string, string> | null)?.[f]]);
  const orgs = useNames("organisation", ids("organisationId"));
  const ops = useNames("operator", ids("operatorId"));
  const show = (field: string, v: string) => (field === "organisationId" && orgs[v] ? localName(orgs[v]) : field === "operatorId" && ops[v] ? localName(ops[v]) : v);
  return (
    <WhenLoaded of={h} isEmpty={(d) => d.length === 0} empty={t("catalogue.noHistory")}>
      {(entries) => (
        <ol className="history">
          {entries.map((c) => (
            <li key={c.seq}>
              <p>
                <strong>{t(`catalogueAction.${c.action.replace("catalogue.", "")}`, { defaultValue: c.action })}</strong> · {formatDateTime(c.at)} · {c.actor.username}
              </p>
              <dl className="diff">
                {changes(c).map((d) => (
                  <div key={d.field}>
                    <dt>{t(`catalogueField.${d.field}`)}</dt>
                    <dd>
                      <del>{show(d.field, d.before)}</del> → <ins>{show(d.field, d.after)}</ins>
                    </dd>
                  </div>
                ))}
              </dl>
            </li>
          ))}
        </ol>
      )}
    </WhenLoaded>
  );
}
