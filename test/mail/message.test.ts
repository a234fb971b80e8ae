/** Reading a message to the duty address for an incident: headers, MIME parts, transfer and charset decoding. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeWords, readIncidentMail } from "../../src/mail/message.js";

const crlf = (s: string) => Buffer.from(s.replace(/\n/g, "\r\n"), "latin1");

test("ok/plain text with an encoded subject and a display-name sender", () => {
  const m = readIncidentMail(crlf("From: =?utf-8?B?0JzQuNC90LjRgdGC0LXRgNGB0YLQstC+?= <NOC@Ministry.example>\nSubject: =?utf-8?Q?DDoS_=D0=B0=D1=82=D0=B0=D0=BA=D0=B0?=\nMessage-ID: <abc@ministry.example>\n\nSince 09:00 the portal is down.\n"), "bounce@x");
  assert.deepEqual(m, { messageId: "abc@ministry.example", from: "NOC@Ministry.example", subject: "DDoS атака", text: "Since 09:00 the portal is down." });
});

test("ok/multipart/alternative: the text/plain part, quoted-printable utf-8, wins over HTML", () => {
  const raw = crlf(
    'From: a@b.kz\nSubject: x\nMessage-ID: <1@b.kz>\nContent-Type: multipart/alternative; boundary="BB"\n\n--BB\nContent-Type: text/html; charset=utf-8\n\n<p>html</p>\n--BB\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n=D0=9F=D1=80=D0=B8=D0=B2=D0=B5=D1=82, a long line that is so=\nft-broken\n--BB--\n',
  );
  assert.equal(readIncidentMail(raw, "").text, "Привет, a long line that is soft-broken");
});

test("ok/base64 windows-1251 inside multipart/mixed; attachments skipped; HTML-only falls back to its text", () => {
  const body = Buffer.from([0xc8, 0xed, 0xf6, 0xe8, 0xe4, 0xe5, 0xed, 0xf2]).toString("base64"); // "Инцидент" in windows-1251
  const raw = crlf(`From: a@b.kz\nContent-Type: multipart/mixed; boundary=X1\n\n--X1\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=a.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n--X1\nContent-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: base64\n\n${body}\n--X1--\n`);
  assert.equal(readIncidentMail(raw, "").text, "Инцидент");
  const html = crlf("From: a@b.kz\nContent-Type: text/html\n\n<html><style>p{}</style><p>Line one</p><p>Two &amp; three</p></html>\n");
  assert.equal(readIncidentMail(html, "").text, "Line one\nTwo & three");
});

test("ok/without a Message-ID the content identifies the message (retries make one incident); envelope sender as fallback", () => {
  const raw = crlf("Subject: no id\n\nbody\n");
  const a = readIncidentMail(raw, "sender@x.kz");
  assert.match(a.messageId, /^sha256:[0-9a-f]{64}$/);
  assert.equal(readIncidentMail(raw, "sender@x.kz").messageId, a.messageId);
  assert.equal(a.from, "sender@x.kz");
  assert.equal(decodeWords("=?utf-8?B?0JA=?= =?utf-8?B?0JE=?= end"), "АБ end");
});
