/**
 * The Kazakh working-day calendar every deadline is counted on: holidays, Labour Code carry-over days,
 * decreed days off and working Saturdays, per year. STS administrators set or remove a day override (a
 * data change, audited). Colour is never the only signal: each kind has a symbol and a text label.
 */
import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { DAY_KINDS, type DayKind } from "../../../../src/domain/working-days/year-data.js";
import type { DayInfo } from "../../../../src/domain/working-days/calendar.js";
import { calendar } from "../../api/resources.js";
import { useLoad, useSubmit } from "../../hooks.js";
import { useCan } from "../../session.js";
import { setQuery, useLocation } from "../../router.js";
import { PageHeader } from "../../components/page.js";
import { WhenLoaded } from "../../components/states.js";
import { FormActions } from "../../components/form-actions.js";
import { SelectField, TextField, focusFirstError } from "../../components/fields.js";
import { Modal, Confirm } from "../../components/dialog.js";
import { DeadlineFrom } from "../../components/deadline.js";
import { formatDate, formatNumber, monthName, todayInAlmaty, weekdayNames, TIME_ZONE } from "../../i18n/format.js";

const MARK: Record<DayKind, string> = { working: "", weekend: "", holiday: "●", "carry-over": "↷", "decreed-day-off": "◆", "decreed-working-day": "▲" };

function dayLabel(d: DayInfo, t: (k: string, o?: Record<string, unknown>) => string): string {
  const name = d.holidayId ? t(`holiday.${d.holidayId}`, { defaultValue: d.name ?? "" }) : d.name;
  return [formatDate(d.date), t(`dayKind.${d.kind}`), name, d.carriedFrom ? t("calendar.carriedFrom", { date: formatDate(d.carriedFrom) }) : "", d.overridden ? t("calendar.overridden") : "", d.estimated ? t("calendar.estimated") : ""]
    .filter(Boolean)
    .join(" · ");
}

export function CalendarPage() {
  const { t } = useTranslation();
  const can = useCan();
  const { query } = useLocation();
  const today = todayInAlmaty();
  const year = Number(query.get("year")) || Number(today.slice(0, 4));
  const view = useLoad((signal) => calendar.year(year, signal), [year]);
  const [editing, setEditing] = useState<{ date: string } | null>(null);
  const writable = can("calendar.write");
  const days = view.data?.days ?? [];
  const byDate = new Map<string, DayInfo>(days.map((d) => [d.date, d]));
  const special = days.filter((d) => d.kind !== "working" && d.kind !== "weekend");

  return (
    <section>
      <PageHeader title={t("calendar.title")} lead={t("calendar.lead", { tz: TIME_ZONE })}>
        {writable && (
          <button type="button" className="btn btn-primary" onClick={() => setEditing({ date: "" })}>
            {t("calendar.setDay")}
          </button>
        )}
      </PageHeader>
      <div className="year-nav" role="group" aria-label={t("calendar.year")}>
        <button type="button" className="btn" onClick={() => setQuery({ year: year - 1 })} disabled={year <= 2023}>
          ← {year - 1}
        </button>
        <h2 className="year-title" aria-live="polite">
          {year}
        </h2>
        <button type="button" className="btn" onClick={() => setQuery({ year: year + 1 })} disabled={year >= 2100}>
          {year + 1} →
        </button>
      </div>
      <WhenLoaded of={view}>
        {(y) => (
          <>
            <p className={y.verified ? "notice notice-ok" : "notice notice-warn"}>
              {y.verified ? t("calendar.verified", { count: y.workingDays, days: formatNumber(y.workingDays) }) : t("calendar.unverified", { count: y.workingDays, days: formatNumber(y.workingDays) })}
            </p>
            <Legend />
            <div className="months">
              {Array.from({ length: 12 }, (_, m) => (
                <Month key={m} year={year} month={m + 1} byDate={byDate} today={today} workingDays={y.workingDaysPerMonth[m] ?? 0} onPick={writable ? (date) => setEditing({ date }) : undefined} />
              ))}
            </div>
            <h2 className="section-title">{t("calendar.specialDays")}</h2>
            <ul className="special-days">
              {special.map((d) => (
                <li key={d.date} className={`kind-${d.kind}`}>
                  <span className="mark" aria-hidden="true">
                    {MARK[d.kind]}
                  </span>{" "}
                  {dayLabel(d, t)}
                </li>
              ))}
            </ul>
          </>
        )}
      </WhenLoaded>
      <DeadlineCalculator />
      {writable && (
        <Modal title={t("calendar.setDay")} open={editing !== null} onClose={() => setEditing(null)}>
          {editing && (
            <DayEditor
              initial={editing.date ? byDate.get(editing.date) : undefined}
              date={editing.date}
              onDone={() => {
                setEditing(null);
                view.reload();
              }}
            />
          )}
        </Modal>
      )}
    </section>
  );
}

function Legend() {
  const { t } = useTranslation();
  return (
    <ul className="legend" aria-label={t("calendar.legend")}>
      {DAY_KINDS.map((k) => (
        <li key={k} className={`kind-${k}`}>
          <span className="swatch" aria-hidden="true">
            {MARK[k]}
          </span>
          {t(`dayKind.${k}`)}
        </li>
      ))}
    </ul>
  );
}

function Month({ year, month, byDate, today, workingDays, onPick }: { year: number; month: number; byDate: Map<string, DayInfo>; today: string; workingDays: number; onPick?: ((date: string) => void) | undefined }) {
  const { t } = useTranslation();
  const first = new Date(Date.UTC(year, month - 1, 1));
  const lead = (first.getUTCDay() + 6) % 7;
  const count = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const cells: (DayInfo | null)[] = [...Array<null>(lead).fill(null)];
  for (let d = 1; d <= count; d++) cells.push(byDate.get(`${year}-${String(month).padStart(2, "0")}-${String(d).padStart(2, "0")}`) ?? null);
  while (cells.length % 7) cells.push(null);
  const weeks = Array.from({ length: cells.length / 7 }, (_, i) => cells.slice(i * 7, i * 7 + 7));
  const names = weekdayNames();
  return (
    <table className="month">
      <caption>
        <span className="month-name">{monthName(month)}</span> <span className="muted small">{t("calendar.workingDays", { count: workingDays, days: formatNumber(workingDays) })}</span>
      </caption>
      <thead>
        <tr>
          {names.map((n) => (
            <th key={n} scope="col" abbr={n}>
              {n}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {weeks.map((w, i) => (
          <tr key={i}>
            {w.map((d, j) =>
              d ? (
                <td key={j} className={`day kind-${d.kind}${d.date === today ? " today" : ""}${d.overridden ? " overridden" : ""}`} title={dayLabel(d, t)}>
                  {onPick ? (
                    <button type="button" tabIndex={-1} onClick={() => onPick(d.date)} aria-label={dayLabel(d, t)}>
                      {Number(d.date.slice(8))}
                    </button>
                  ) : (
                    <>
                      <span aria-hidden="true">{Number(d.date.slice(8))}</span>
                      <span className="visually-hidden">{dayLabel(d, t)}</span>
                    </>
                  )}
                  {MARK[d.kind] && (
                    <span className="mark" aria-hidden="true">
                      {MARK[d.kind]}
                    </span>
                  )}
                </td>
              ) : (
                <td key={j} />
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DayEditor({ initial, date: initialDate, onDone }: { initial?: DayInfo | undefined; date: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [date, setDate] = useState(initialDate);
  const [kind, setKind] = useState<DayKind>(initial?.overridden ? initial.kind : "decreed-day-off");
  const [name, setName] = useState(initial?.overridden ? (initial.name ?? "") : "");
  const [reference, setReference] = useState(initial?.overridden ? (initial.reference ?? "") : "");
  const [confirmRemove, setConfirmRemove] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const change = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const m: Record<string, string> = {};
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) m["/date"] = t("validation.required");
    if (change.invalid(m)) return focusFirstError(form.current);
    await change.run(async () => {
      await calendar.setDay(date, { kind, ...(name.trim() ? { name: name.trim() } : {}), ...(reference.trim() ? { reference: reference.trim() } : {}) });
      onDone();
    });
  }
  async function remove() {
    const ok = await change.run(async () => {
      await calendar.removeDay(date);
      onDone();
    });
    if (!ok) setConfirmRemove(false);
  }
  return (
    <form ref={form} onSubmit={submit} noValidate>
      {initial && <p className="muted">{dayLabel(initial, t)}</p>}
      <TextField label={t("calendar.date")} type="date" value={date} onValue={setDate} error={change.fields["/date"]} path="/date" required />
      <SelectField label={t("calendar.kind")} value={kind} onValue={(v) => setKind(v as DayKind)} error={change.fields["/kind"]} options={DAY_KINDS.map((k) => ({ value: k, label: t(`dayKind.${k}`) }))} />
      <TextField label={t("calendar.name")} value={name} onValue={setName} error={change.fields["/name"]} maxLength={200} />
      <TextField label={t("calendar.reference")} hint={t("calendar.referenceHint")} value={reference} onValue={setReference} error={change.fields["/reference"]} maxLength={500} />
      <FormActions submit={change} problem={change.error} label={t("common.save")}>
        {initial?.overridden && (
          <button type="button" className="btn btn-danger-outline" onClick={() => setConfirmRemove(true)}>
            {t("calendar.removeOverride")}
          </button>
        )}
      </FormActions>
      <Confirm open={confirmRemove} title={t("calendar.removeOverride")} message={t("calendar.removeConfirm", { date: formatDate(date) })} confirmLabel={t("calendar.removeOverride")} busy={change.busy} onCancel={() => setConfirmRemove(false)} onConfirm={() => void remove()} />
    </form>
  );
}

function DeadlineCalculator() {
  const { t } = useTranslation();
  const [from, setFrom] = useState(todayInAlmaty());
  const [days, setDays] = useState("5");
  const n = Number(days);
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(from) && Number.isInteger(n) && n >= 0 && n <= 400;
  return (
    <section className="panel" aria-labelledby="deadline-title">
      <h2 id="deadline-title">{t("calendar.deadlineTitle")}</h2>
      <p className="muted">{t("calendar.deadlineLead")}</p>
      <div className="grid-2">
        <TextField label={t("calendar.receivedOn")} type="date" value={from} onValue={setFrom} />
        <TextField label={t("calendar.workingDaysInput")} type="number" min={0} max={400} value={days} onValue={setDays} />
      </div>
      <p aria-live="polite" className="deadline-result">
        {valid ? <DeadlineFrom from={from} workingDays={n} /> : <span className="muted">{t("calendar.deadlineInvalid")}</span>}
      </p>
    </section>
  );
}
