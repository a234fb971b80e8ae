/** Contacts of an organisation or an operator: responsible people with position, e-mail and phones. */
import { useTranslation } from "react-i18next";
import type { Contact } from "../../../../src/contract/common.js";
import { TextField } from "../../components/fields.js";

export type ContactDraft = { fullName: string; position: string; email: string; officePhone: string; mobilePhone: string };
export const emptyContact = (): ContactDraft => ({ fullName: "", position: "", email: "", officePhone: "", mobilePhone: "" });

export function toDraft(c: Contact): ContactDraft {
  return { fullName: c.fullName, position: c.position ?? "", email: c.email ?? "", officePhone: c.officePhone ?? "", mobilePhone: c.mobilePhone ?? "" };
}

export function fromDraft(d: ContactDraft): Contact {
  const c: Contact = { fullName: d.fullName.trim() };
  if (d.position.trim()) c.position = d.position.trim();
  if (d.email.trim()) c.email = d.email.trim();
  if (d.officePhone.trim()) c.officePhone = d.officePhone.trim();
  if (d.mobilePhone.trim()) c.mobilePhone = d.mobilePhone.trim();
  return c;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateContacts(list: ContactDraft[], t: (k: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  list.forEach((c, i) => {
    if (!c.fullName.trim()) out[`/contacts/${i}/fullName`] = t("validation.required");
    if (c.email.trim() && !EMAIL.test(c.email.trim())) out[`/contacts/${i}/email`] = t("validation.email");
  });
  return out;
}

export function ContactsEditor({ value, onChange, errors, readOnly }: { value: ContactDraft[]; onChange: (v: ContactDraft[]) => void; errors: Record<string, string>; readOnly?: boolean }) {
  const { t } = useTranslation();
  const set = (i: number, k: keyof ContactDraft, v: string) => onChange(value.map((c, j) => (j === i ? { ...c, [k]: v } : c)));
  return (
    <fieldset className="contacts">
      <legend>{t("contacts.title")}</legend>
      {value.length === 0 && <p className="muted">{t("contacts.none")}</p>}
      {value.map((c, i) => (
        <fieldset key={i} className="contact">
          <legend>{t("contacts.number", { n: i + 1 })}</legend>
          <div className="grid-2">
            <TextField label={t("contacts.fullName")} value={c.fullName} onValue={(v) => set(i, "fullName", v)} error={errors[`/contacts/${i}/fullName`]} path={`/contacts/${i}/fullName`} required readOnly={readOnly} />
            <TextField label={t("contacts.position")} value={c.position} onValue={(v) => set(i, "position", v)} error={errors[`/contacts/${i}/position`]} readOnly={readOnly} />
            <TextField label={t("contacts.email")} type="email" value={c.email} onValue={(v) => set(i, "email", v)} error={errors[`/contacts/${i}/email`]} path={`/contacts/${i}/email`} readOnly={readOnly} />
            <TextField label={t("contacts.officePhone")} type="tel" value={c.officePhone} onValue={(v) => set(i, "officePhone", v)} error={errors[`/contacts/${i}/officePhone`]} readOnly={readOnly} />
            <TextField label={t("contacts.mobilePhone")} type="tel" value={c.mobilePhone} onValue={(v) => set(i, "mobilePhone", v)} error={errors[`/contacts/${i}/mobilePhone`]} readOnly={readOnly} />
          </div>
          {!readOnly && (
            <button type="button" className="btn btn-ghost" onClick={() => onChange(value.filter((_, j) => j !== i))}>
              {t("contacts.remove", { n: i + 1 })}
            </button>
          )}
        </fieldset>
      ))}
      {!readOnly && value.length < 20 && (
        <button type="button" className="btn" onClick={() => onChange([...value, emptyContact()])}>
          {t("contacts.add")}
        </button>
      )}
    </fieldset>
  );
}
