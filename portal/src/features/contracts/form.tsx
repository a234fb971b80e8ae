/** p.4: the contract between a telecom operator and an organisation, the ground for connection to the gateway. */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { contracts, type Contract } from "../../api/resources.js";
import { useCan } from "../../session.js";
import { navigate } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { Loading, ProblemMessage, Notice } from "../../components/states.js";
import { FormActions } from "../../components/form-actions.js";
import { SelectField, TextField } from "../../components/fields.js";
import { EntitySelect } from "../../components/names.js";
import { formatDateTime } from "../../i18n/format.js";
import { useSubmit } from "../../hooks.js";
import { CONTRACT_STATUSES, type ContractStatus } from "./list.js";

export function ContractFormPage({ id }: { id?: string }) {
  const { t } = useTranslation();
  const can = useCan();
  const writable = can("contract.write");
  const [loaded, setLoaded] = useState<Contract>();
  const [loadError, setLoadError] = useState<unknown>();
  const [organisationId, setOrganisationId] = useState("");
  const [operatorId, setOperatorId] = useState("");
  const [number, setNumber] = useState("");
  const [signedOn, setSignedOn] = useState("");
  const [validFrom, setValidFrom] = useState("");
  const [validTo, setValidTo] = useState("");
  const [status, setStatus] = useState<ContractStatus>("active");
  const [saved, setSaved] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const save = useSubmit(form, (err) => (err.fieldErrors.length ? err.byPath() : err.code === "QQ_ERR_DUPLICATE" ? { "/number": err.detail } : {}));

  useEffect(() => {
    if (!id) return;
    contracts.get(id).then((c) => {
      setLoaded(c);
      setOrganisationId(c.organisationId);
      setOperatorId(c.operatorId);
      setNumber(c.number);
      setSignedOn(c.signedOn ?? "");
      setValidFrom(c.validFrom);
      setValidTo(c.validTo ?? "");
      setStatus(c.status);
    }, setLoadError);
  }, [id]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const m: Record<string, string> = {};
    if (!organisationId) m["/organisationId"] = t("validation.required");
    if (!operatorId) m["/operatorId"] = t("validation.required");
    if (!number.trim()) m["/number"] = t("validation.required");
    if (!validFrom) m["/validFrom"] = t("validation.required");
    if (validTo && validFrom && validTo < validFrom) m["/validTo"] = t("contracts.toBeforeFrom");
    if (save.invalid(m)) return;
    await save.run(async () => {
      if (id) {
        setLoaded(await contracts.update(id, { signedOn: signedOn || null, validFrom, validTo: validTo || null, status }));
        setSaved(true);
      } else {
        const c = await contracts.create({ organisationId, operatorId, number: number.trim(), validFrom, status, ...(signedOn ? { signedOn } : {}), ...(validTo ? { validTo } : {}) });
        navigate(`/contracts/${c.id}?created=1`, { replace: true });
      }
    });
  }

  if (loadError) return <ProblemMessage error={loadError} />;
  if (id && !loaded) return <Loading />;
  const readOnly = !writable;
  const created = new URLSearchParams(location.search).has("created");
  return (
    <section>
      <PageHeader title={id ? t("contracts.titleOne", { number: loaded?.number }) : t("contracts.new")} lead={loaded ? t("common.updatedAt", { when: formatDateTime(loaded.updatedAt) }) : t("contracts.lead")}>
        <Link to="/contracts" className="btn">
          {t("common.backToList")}
        </Link>
      </PageHeader>
      <Notice text={(saved || created) && (created && !saved ? t("common.createdNotice") : t("common.saved"))} />
      <form ref={form} onSubmit={submit} noValidate className="form">
        <div className="grid-2">
          {id ? (
            <>
              <EntitySelectReadOnly kind="organisation" label={t("common.organisation")} value={organisationId} />
              <EntitySelectReadOnly kind="operator" label={t("common.operator")} value={operatorId} />
            </>
          ) : (
            <>
              <EntitySelect kind="organisation" label={t("common.organisation")} value={organisationId} onValue={setOrganisationId} error={save.fields["/organisationId"]} path="/organisationId" required />
              <EntitySelect kind="operator" label={t("common.operator")} value={operatorId} onValue={setOperatorId} error={save.fields["/operatorId"]} path="/operatorId" required />
            </>
          )}
        </div>
        <div className="grid-2">
          <TextField label={t("contracts.number")} value={number} onValue={setNumber} error={save.fields["/number"]} path="/number" required readOnly={!!id || readOnly} maxLength={100} />
          <SelectField label={t("common.status")} value={status} onValue={(v) => setStatus(v as ContractStatus)} disabled={readOnly} options={CONTRACT_STATUSES.map((s) => ({ value: s, label: t(`contractStatus.${s}`) }))} />
        </div>
        <div className="grid-3">
          <TextField label={t("contracts.signedOn")} type="date" value={signedOn} onValue={setSignedOn} error={save.fields["/signedOn"]} path="/signedOn" readOnly={readOnly} />
          <TextField label={t("contracts.validFrom")} type="date" value={validFrom} onValue={setValidFrom} error={save.fields["/validFrom"]} path="/validFrom" required readOnly={readOnly} />
          <TextField label={t("contracts.validTo")} hint={t("contracts.validToHint")} type="date" value={validTo} onValue={setValidTo} error={save.fields["/validTo"]} path="/validTo" readOnly={readOnly} />
        </div>
        {writable && <FormActions submit={save} problem={save.error} label={id ? t("common.save") : t("contracts.create")} />}
      </form>
    </section>
  );
}

function EntitySelectReadOnly({ kind, label, value }: { kind: "organisation" | "operator"; label: string; value: string }) {
  return <EntitySelect kind={kind} label={label} value={value} onValue={() => undefined} disabled />;
}
