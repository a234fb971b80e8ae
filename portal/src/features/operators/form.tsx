/** Register or edit a telecom operator: BIN, names, ASNs, the addresses p.13 notifications go to, contacts. */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { ApiError } from "../../api/client.js";
import { operators, type TelecomOperator } from "../../api/resources.js";
import { useCan } from "../../session.js";
import { navigate } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { Link } from "../../components/link.js";
import { Loading, ProblemMessage, Notice } from "../../components/states.js";
import { FormActions } from "../../components/form-actions.js";
import { TextArea, TextField } from "../../components/fields.js";
import { forgetName, localName } from "../../components/names.js";
import { formatDateTime } from "../../i18n/format.js";
import { useSubmit } from "../../hooks.js";
import { ContactsEditor, fromDraft, toDraft, validateContacts, type ContactDraft } from "../organisations/contacts.js";
import { binError } from "../organisations/bin.js";

const split = (s: string) => s.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function fieldErrorsOf(err: ApiError): Record<string, string> {
  if (!err.fieldErrors.length) return err.code === "QQ_ERR_DUPLICATE" ? { "/bin": err.detail } : {};
  // `/notificationEmails/1` and `/asns/0` belong to the one field that holds the list.
  const by: Record<string, string> = {};
  for (const [p, msg] of Object.entries(err.byPath())) by[p.replace(/^\/(notificationEmails|asns)\/\d+$/, "/$1")] ??= msg;
  return by;
}

export function OperatorFormPage({ id }: { id?: string }) {
  const { t } = useTranslation();
  const can = useCan();
  const writable = can("operator.write");
  const [loaded, setLoaded] = useState<TelecomOperator>();
  const [loadError, setLoadError] = useState<unknown>();
  const [bin, setBin] = useState("");
  const [nameKk, setNameKk] = useState("");
  const [nameRu, setNameRu] = useState("");
  const [nameEn, setNameEn] = useState("");
  const [asns, setAsns] = useState("");
  const [emails, setEmails] = useState("");
  const [contacts, setContacts] = useState<ContactDraft[]>([]);
  const [saved, setSaved] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const save = useSubmit(form, fieldErrorsOf);

  useEffect(() => {
    if (!id) return;
    operators.get(id).then((o) => {
      setLoaded(o);
      setBin(o.bin);
      setNameKk(o.nameKk);
      setNameRu(o.nameRu);
      setNameEn(o.nameEn);
      setAsns(o.asns.join(", "));
      setEmails(o.notificationEmails.join("\n"));
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
    const asnList = split(asns).map((a) => a.replace(/^AS/i, ""));
    if (asnList.some((a) => !/^[0-9]{1,10}$/.test(a) || Number(a) < 1 || Number(a) > 4294967295)) m["/asns"] = t("operators.asnInvalid");
    const emailList = split(emails);
    if (emailList.length === 0) m["/notificationEmails"] = t("validation.required");
    else if (emailList.some((x) => !EMAIL.test(x))) m["/notificationEmails"] = t("validation.email");
    if (save.invalid(m)) return;
    await save.run(async () => {
      const body = { nameKk: nameKk.trim(), nameRu: nameRu.trim(), nameEn: nameEn.trim(), asns: [...new Set(asnList.map(Number))], notificationEmails: emailList, contacts: contacts.map(fromDraft) };
      if (id) {
        setLoaded(await operators.update(id, body));
        forgetName("operator", id);
        setSaved(true);
      } else {
        const o = await operators.create({ bin: bin.trim(), ...body });
        navigate(`/operators/${o.id}?created=1`, { replace: true });
      }
    });
  }

  if (loadError) return <ProblemMessage error={loadError} />;
  if (id && !loaded) return <Loading />;
  const readOnly = !writable;
  const created = new URLSearchParams(location.search).has("created");
  return (
    <section>
      <PageHeader title={id ? localName(loaded) : t("operators.new")} lead={loaded ? t("common.updatedAt", { when: formatDateTime(loaded.updatedAt) }) : undefined}>
        <Link to="/operators" className="btn">
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
          <TextField label={t("operators.asns")} hint={t("operators.asnsHint")} value={asns} onValue={setAsns} error={save.fields["/asns"]} path="/asns" readOnly={readOnly} />
          <TextArea label={t("operators.emails")} hint={t("operators.emailsHint")} rows={3} value={emails} onValue={setEmails} error={save.fields["/notificationEmails"]} path="/notificationEmails" required readOnly={readOnly} />
        </div>
        <ContactsEditor value={contacts} onChange={setContacts} errors={save.fields} readOnly={readOnly} />
        {writable && <FormActions submit={save} problem={save.error} label={id ? t("common.save") : t("operators.create")} />}
      </form>
    </section>
  );
}
