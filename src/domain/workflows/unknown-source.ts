/**
 * Unknown source addresses (p.13): the gateway sees traffic from addresses that are not in the IP address
 * catalogue. STS e-mails the telecom operator the list of those addresses; the operator updates the catalogue
 * within five working days after receiving the notice; addresses still not in the catalogue then are blocked,
 * and unblocked as soon as the operator updates the data.
 *
 *   detected ──notice e-mailed (one per operator, listing every new address)──▶ notified
 *      │                                                                         │ block_due passed, still outside the catalogue
 *      │ catalogue covers it                                                     ▼
 *      └──────────────▶ resolved ◀────────── catalogue covers it ─────────── blocked
 *                          │ seen again outside the catalogue
 *                          └──▶ detected (a new notice)
 *
 * The notice is the "receipt" of p.13: its civil date is day 0 and the operator has until the end of the fifth
 * working day. The block due date is recomputed from `notified_at` and the calendar when the block runs, so a
 * calendar correction after the notice moves it.
 */
import { addWorkingDays, civilDateOf, endOfCivilDay, type Calendar } from "../working-days/index.js";

export const UNKNOWN_SOURCE_STATES = ["detected", "notified", "blocked", "resolved"] as const;
export type UnknownSourceState = (typeof UNKNOWN_SOURCE_STATES)[number];
export const CATALOGUE_UPDATE_WORKING_DAYS = 5;

/** The last day the operator has to update the catalogue (p.13). */
export function blockDueOf(notifiedAt: Date, cal: Calendar): string {
  return addWorkingDays(civilDateOf(notifiedAt), CATALOGUE_UPDATE_WORKING_DAYS, cal);
}

/** The instant the block is due: the end of the due day in Almaty. */
export function blockAtOf(notifiedAt: Date, cal: Calendar): Date {
  return endOfCivilDay(blockDueOf(notifiedAt, cal));
}

export interface NoticeEntry {
  address: string;
  firstSeen: Date;
  lastSeen: Date;
  hits: number;
}

/** The p.13 notice: one e-mail per operator with every address enclosed. */
export function noticeText(operatorName: string, entries: readonly NoticeEntry[], blockDue: string): { subject: string; body: string } {
  const sorted = [...entries].sort((a, b) => a.address.localeCompare(b.address, "en", { numeric: true }));
  const lines = sorted.map((e) => `${e.address}\tfirst seen ${e.firstSeen.toISOString()}\tlast seen ${e.lastSeen.toISOString()}\tconnections ${e.hits}`);
  return {
    subject: `UGIA: ${entries.length} IP address${entries.length === 1 ? "" : "es"} not in the IP address catalogue`,
    body: [
      `To ${operatorName}.`,
      ``,
      `The UGIA equipment detected traffic from the IP addresses below, which are not in the IP address catalogue (p.13 of the Rules).`,
      `Update the catalogue within five working days after receiving this notice, by the end of ${blockDue} (Asia/Almaty).`,
      `Access to the Internet from addresses still not in the catalogue after that day will be blocked; they are unblocked as soon as the catalogue covers them.`,
      ``,
      ...lines,
      ``,
    ].join("\n"),
  };
}

export function blockedText(operatorName: string, addresses: readonly string[]): { subject: string; body: string } {
  return {
    subject: `UGIA: ${addresses.length} IP address${addresses.length === 1 ? "" : "es"} blocked (p.13)`,
    body: [
      `To ${operatorName}.`,
      ``,
      `The catalogue was not updated within five working days of the notice, so access to the Internet from these addresses is now blocked (p.13).`,
      `Add them to the IP address catalogue and they are unblocked at once.`,
      ``,
      ...[...addresses].sort(),
      ``,
    ].join("\n"),
  };
}
