/**
 * Texts of the notifications sent through the outbox when a mail system is suspended, released, or its
 * held mail deleted. UGEM Rules p.12: the STS suspends the system "with subsequent notification of the
 * owner of the electronic mail system of the blockage". Pure: values in, text out.
 *
 * Russian and English in one message (the owner's working languages for technical correspondence); the
 * portal's kk/ru/en catalogues take over once the outbox renders templates.
 */
import type { AnomalyCode, AnomalyReason } from "./detector.js";
import type { MailSuspension, MailSystem } from "../ports.js";

export interface Notice {
  readonly subject: string;
  readonly body: string;
}

const REASON_EN: Record<AnomalyCode, string> = {
  "messages-per-minute": "messages in the last minute",
  "messages-per-hour": "messages in the last hour",
  "recipients-per-minute": "distinct recipients in the last minute",
  "recipients-per-hour": "distinct recipients in the last hour",
  "bytes-per-hour": "bytes sent in the last hour",
  "above-baseline": "messages in the last minute, against the system's usual rate",
  "bounce-share": "share of deliveries rejected by receiving servers in the last hour",
  "defer-share": "share of deliveries deferred by receiving servers in the last hour",
};

const REASON_RU: Record<AnomalyCode, string> = {
  "messages-per-minute": "писем за последнюю минуту",
  "messages-per-hour": "писем за последний час",
  "recipients-per-minute": "разных получателей за последнюю минуту",
  "recipients-per-hour": "разных получателей за последний час",
  "bytes-per-hour": "байт отправлено за последний час",
  "above-baseline": "писем за последнюю минуту относительно обычного уровня системы",
  "bounce-share": "доля писем, отклонённых серверами получателей за последний час",
  "defer-share": "доля писем, отложенных серверами получателей за последний час",
};

function reasonLines(reasons: readonly AnomalyReason[], table: Record<AnomalyCode, string>): string {
  if (reasons.length === 0) return "  -";
  return reasons.map((r) => `  - ${table[r.code]}: ${r.observed} (limit ${r.limit})`).join("\n");
}

export function suspensionNotice(system: MailSystem, s: MailSuspension): Notice {
  const domains = system.domains.join(", ");
  return {
    subject: `UGEM: mail system "${system.name}" suspended / почтовая система приостановлена`,
    body: [
      `Почтовая система «${system.name}» (${domains}) приостановлена единым шлюзом электронной почты ${s.since}`,
      `в связи с аномальной активностью почтового трафика (Правила функционирования ЕШЭП, п. 12) — чтобы IP-адреса`,
      `шлюза не попали в глобальные базы недоверенных адресов.`,
      `Признаки:`,
      reasonLines(s.reasons, REASON_RU),
      `Новые письма системы получают временный отказ (4xx) и остаются у отправителя. Письма в очереди шлюза`,
      `задержаны: ${s.heldQueueIds.length}. Они будут доставлены после снятия приостановки или удалены по согласованию.`,
      `Проверьте сервер на компрометацию учётных записей и массовые рассылки, затем обратитесь в АО «ГТС».`,
      ``,
      `The mail system "${system.name}" (${domains}) was suspended by the unified e-mail gateway at ${s.since}`,
      `for abnormal traffic activity (UGEM Rules p.12), so that the gateway's IP addresses do not land on public`,
      `blocklists.`,
      `Indicators:`,
      reasonLines(s.reasons, REASON_EN),
      `New mail from the system is answered with a temporary failure (4xx) and stays with the sender.`,
      `Messages held in the gateway queue: ${s.heldQueueIds.length}. They are delivered when the suspension is`,
      `lifted, or deleted by agreement. Check the server for compromised accounts and mass mailings, then contact STS.`,
      s.note ? `\nNote / примечание: ${s.note}` : ``,
    ].join("\n"),
  };
}

export function releaseNotice(system: MailSystem, released: number, by: string): Notice {
  return {
    subject: `UGEM: mail system "${system.name}" resumed / работа почтовой системы возобновлена`,
    body: [
      `Приостановка почтовой системы «${system.name}» снята (${by}). Задержанных писем отправлено в доставку: ${released}.`,
      ``,
      `The suspension of the mail system "${system.name}" was lifted (${by}). Held messages released for delivery: ${released}.`,
    ].join("\n"),
  };
}

export function deletedNotice(system: MailSystem, deleted: number, by: string): Notice {
  return {
    subject: `UGEM: held mail of "${system.name}" deleted / задержанные письма удалены`,
    body: [
      `Задержанные на шлюзе письма почтовой системы «${system.name}» удалены (${by}): ${deleted}.`,
      ``,
      `Messages of the mail system "${system.name}" held at the gateway were deleted (${by}): ${deleted}.`,
    ].join("\n"),
  };
}
