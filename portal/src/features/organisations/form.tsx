/** Register or edit an organisation (the Rules' "User"): BIN, names in three languages, class (p.2), contacts. */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ORGANISATION_CLASSES, type OrganisationClass } from "../../../../src/domain/organisation.js";
import { organisations, type Organisation } from "../../api/resources.js";
import { useCan } from "../../session.js";
import { navigate } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { Loading, ProblemMessage, Notice } from "../../components/states.js";
import { FormActions } from "../../components/form-actions.js";
import { SelectField, TextField } from "../../components/fields.js";
import { forgetName, localName } from "../../components/names.js";
import { formatDateTime } from "../../i18n/format.js";
import { useSubmit } from "../../hooks.js";
import { ContactsEditor, fromDraft, toDraft, validateContacts, type ContactDraft } from "./contacts.js";
import { binError } from "./bin.js";

export function OrganisationFormPage({ id }: { id?: string }) {
  const { t } = useTranslation();
  const can = useCan();
  const writable = can("organisation.write");
  const [loaded, setLoaded] = useState<Organisation>();
  const [loadError, setLoadError] = useState<unknown>();
  const [bin, setBin] = useState("");
  const [nameKk, setNameKk] = useState("");
  const [nameRu, setNameRu] = useState("");
  const [nameEn, setNameEn] = useState("");
  const [cls, setCls] = useState<OrganisationClass | "">("");
  const [status, setStatus] = useState<"active" | "disconnected">("active");
  const [contacts, setContacts] = useState<ContactDraft[]>([]);
  const [saved, setSaved] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const save = useSubmit(form, (err) => (err.fieldErrors.length ? err.byPath() : err.code === "QQ_ERR_DUPLICATE" ? { "/bin": err.detail || t("organisations.duplicate") } : {}));

  useEffect(() => {
    if (!id) return;
    organisations.get(id).then((o) => {
      setLoaded(o);
      setBin(o.bin);
      setNameKk(o.nameKk);
      setNameRu(o.nameRu);
      setNameEn(o.nameEn);
      setCls(o.class);
      setStatus(o.status);
      setContacts(o.contacts.map(toDraft));
    }, setLoadError);
  }, [id]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const m: Record<string, string> = { ...validateContacts(contacts, t) };
    if (!id) {
      const b = binError(bin, t);
      if (b) m["/bin"] = b;
    }
    if (!nameKk.trim()) m["/nameKk"] = t("validation.required");
    if (!nameRu.trim()) m["/nameRu"] = t("validation.required");
    if (!nameEn.trim()) m["/nameEn"] = t("validation.required");
    if (!cls) m["/class"] = t("validation.required");
    if (save.invalid(m)) return;
    await save.run(async () => {
      const names = { nameKk: nameKk.trim(), nameRu: nameRu.trim(), nameEn: nameEn.trim() };
      const body = { ...names, class: cls as OrganisationClass, contacts: contacts.map(fromDraft) };
      if (id) {
        const o = await organisations.update(id, { ...body, status });
        forgetName("organisation", id);
        setLoaded(o);
        setSaved(true);
      } else {
        const o = await organisations.create({ bin: bin.trim(), ...body });
        navigate(`/organisations/${o.id}?created=1`, { replace: true });
      }
    });
  }

  if (loadError) return <ProblemMessage error={loadError} />;
  if (id && !loaded) return <Loading />;
  const readOnly = !writable;
  const created = new URLSearchParams(location.search).has("created");
  return (
    <section>
      <PageHeader title={id ? localName(loaded) : t("organisations.new")} lead={loaded ? t("common.updatedAt", { when: formatDateTime(loaded.updatedAt) }) : undefined}>
        <Link to="/organisations" className="btn">
          {t("common.backToList")}
        </Link>
      </PageHeader>
      <Notice text={(saved || created) && (created && !saved ? t("common.createdNotice") : t("common.saved"))} />
      <form ref={form} onSubmit={submit} noValidate className="form">
        <TextField label={t("common.bin")} hint={t("organisations.binHint")} value={bin} onValue={setBin} error={save.fields["/bin"]} path="/bin" inputMode="numeric" maxLength={12} autoComplete="off" required={!id} readOnly={!!id || readOnly} />
        <div className="grid-3">
          <TextField label={t("common.nameKk")} lang="kk" value={nameKk} onValue={setNameKk} error={save.fields["/nameKk"]} path="/nameKk" required readOnly={readOnly} />
          <TextField label={t("common.nameRu")} lang="ru" value={nameRu} onValue={setNameRu} error={save.fields["/nameRu"]} path="/nameRu" required readOnly={readOnly} />
          <TextField label={t("common.nameEn")} lang="en" value={nameEn} onValue={setNameEn} error={save.fields["/nameEn"]} path="/nameEn" required readOnly={readOnly} />
        </div>
        <div className="grid-2">
          <SelectField
            label={t("organisations.class")}
            hint={t("organisations.classHint")}
            value={cls}
            onValue={(v) => setCls(v as OrganisationClass)}
            error={save.fields["/class"]}
            path="/class"
            required
            disabled={readOnly}
            options={[...(cls ? [] : [{ value: "", label: t("common.choose") }]), ...ORGANISATION_CLASSES.map((c) => ({ value: c, label: t(`organisationClass.${c}`) }))]}
          />
          {id && (
            <SelectField
              label={t("common.status")}
              value={status}
              onValue={(v) => setStatus(v as "active" | "disconnected")}
              disabled={readOnly}
              options={[
                { value: "active", label: t("organisationStatus.active") },
                { value: "disconnected", label: t("organisationStatus.disconnected") },
              ]}
            />
          )}
        </div>
        <ContactsEditor value={contacts} onChange={setContacts} errors={save.fields} readOnly={readOnly} />
        {writable && <FormActions submit={save} problem={save.error} label={id ? t("common.save") : t("organisations.create")} />}
      </form>
    </section>
  );
}
