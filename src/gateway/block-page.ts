/**
 * Block pages in Kazakh, Russian and English: what was blocked, why, the reference id the organisation's staff
 * quote to STS, and a link to ask for access or re-categorisation in the portal (accountability: a person
 * behind a block page has a way to complain).
 */
import type { Reason } from "../gateway-core/flow.js";

type Lang = "kk" | "ru" | "en";

const TITLE: Record<Lang, string> = { kk: "Қол жеткізу шектелген", ru: "Доступ ограничен", en: "Access restricted" };
const ASK: Record<Lang, string> = { kk: "Қол жеткізуді немесе санатты қайта қарауды сұрау", ru: "Запросить доступ или пересмотр категории", en: "Request access or re-categorisation" };
const REF: Record<Lang, string> = { kk: "Анықтама нөмірі", ru: "Номер обращения", en: "Reference" };

const REASONS: Record<Reason, Record<Lang, string>> = {
  "policy-unavailable": { kk: "Шлюз саясаты қолжетімсіз.", ru: "Политика шлюза недоступна.", en: "The gateway policy is unavailable." },
  "unknown-source-blocked": { kk: "IP мекенжайы IP мекенжайлар каталогында жоқ (13-т.).", ru: "IP-адрес отсутствует в каталоге IP-адресов (п. 13).", en: "The source address is not in the IP address catalogue (p.13)." },
  "organisation-disconnected": { kk: "Ұйым шлюзден ажыратылған.", ru: "Организация отключена от шлюза.", en: "The organisation is disconnected from the gateway." },
  "protected-category": { kk: "Қорғалған санат.", ru: "Защищённая категория.", en: "Protected category." },
  "baseline-category": { kk: "Бұл санат әдепкі бойынша бұғатталған.", ru: "Эта категория заблокирована по умолчанию.", en: "This category is blocked by default." },
  "unknown-protocol": { kk: "Белгісіз бағдарлама немесе хаттама.", ru: "Неизвестная программа или протокол.", en: "Unknown program or protocol." },
  "remote-access-protocol": { kk: "Қашықтан қол жеткізу құралдары бұғатталған.", ru: "Средства удалённого доступа заблокированы.", en: "Remote access tools are blocked." },
  "vpn-protocol": { kk: "VPN бұғатталған (15-2-т.).", ru: "VPN заблокирован (п. 15-2).", en: "VPN is blocked (p.15-2)." },
  "proxy-protocol": { kk: "Прокси-хаттамалар бұғатталған.", ru: "Прокси-протоколы заблокированы.", en: "Proxy protocols are blocked." },
  "p2p-protocol": { kk: "P2P файл алмасу бұғатталған.", ru: "P2P-файлообмен заблокирован.", en: "P2P file sharing is blocked." },
  "ech-not-inspectable": { kk: "Шифрланған ClientHello тексеруге болмайды.", ru: "Зашифрованный ClientHello не может быть проверен.", en: "An encrypted ClientHello cannot be inspected." },
  uncategorised: { kk: "Сайт санатталмаған.", ru: "Сайт не категоризирован.", en: "The site is not categorised." },
  "organisation-deny": { kk: "Ұйымның қол жеткізу саясаты бұл санатқа тыйым салады.", ru: "Политика доступа организации запрещает эту категорию.", en: "The organisation's access policy denies this category." },
  "organisation-allow": { kk: "", ru: "", en: "" },
  exception: { kk: "", ru: "", en: "" },
  "default-deny": { kk: "Санат ұйымның қол жеткізу саясатында жоқ (15-т.).", ru: "Категория отсутствует в политике доступа организации (п. 15).", en: "The category is not in the organisation's access policy (p.15)." },
  "invalid-destination": { kk: "Мақсатты мекенжай жарамсыз.", ru: "Недопустимый адрес назначения.", en: "Invalid destination." },
  "upstream-certificate": { kk: "Сайттың сертификаты жарамсыз.", ru: "Сертификат сайта недействителен.", en: "The site's certificate is not valid." },
  "upstream-unreachable": { kk: "Сайт қолжетімсіз.", ru: "Сайт недоступен.", en: "The site is unreachable." },
  "malformed-client-hello": { kk: "TLS хабары бұзылған.", ru: "Некорректное TLS-сообщение.", en: "Malformed TLS message." },
  "client-rejected-certificate": { kk: "Клиент шлюз сертификатын қабылдамады.", ru: "Клиент отверг сертификат шлюза.", en: "The client rejected the gateway certificate." },
  "client-certificate-required": { kk: "Сайт клиент сертификатын талап етеді; мұндай қосылымды тексеру мүмкін емес.", ru: "Сайт требует клиентский сертификат; такое соединение нельзя проверить.", en: "The site requires a client certificate; such a connection cannot be inspected." },
  "missing-server-name": { kk: "TLS қосылымы сайт атауын көрсетпейді.", ru: "TLS-соединение не указывает имя сайта.", en: "The TLS connection does not name the site." },
  "misdirected-request": { kk: "Сұрау басқа хостқа бағытталған.", ru: "Запрос направлен другому хосту.", en: "The request names another host." },
};

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function blockPage(opts: { reason: Reason; host: string | null; ref: string; portalUrl: string }): string {
  const langs: Lang[] = ["kk", "ru", "en"];
  const link = `${opts.portalUrl.replace(/\/$/, "")}/requests/new?ref=${encodeURIComponent(opts.ref)}${opts.host ? `&host=${encodeURIComponent(opts.host)}` : ""}`;
  const sections = langs
    .map(
      (l) => `<section lang="${l}"><h1>${TITLE[l]}</h1><p>${esc(REASONS[opts.reason]?.[l] ?? opts.reason)}</p>${opts.host ? `<p><code>${esc(opts.host)}</code></p>` : ""}<p>${REF[l]}: <code>${esc(opts.ref)}</code></p><p><a href="${esc(link)}">${ASK[l]}</a></p></section>`,
    )
    .join("\n");
  return `<!doctype html><html lang="kk"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${TITLE.kk} · ${TITLE.ru} · ${TITLE.en}</title><style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}section{border-top:1px solid #ccc;padding:.5rem 0}h1{font-size:1.3rem}code{background:#f2f2f2;padding:0 .2rem}a{color:#0b57d0}</style></head><body>\n${sections}\n<p><small>qaqpa · reason <code>${opts.reason}</code></small></p></body></html>\n`;
}
