import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import {
  CATALOGUE_COLUMNS,
  exportCatalogueCsv,
  parseCatalogueCsv,
  type CatalogueCsvRow,
  type CsvError,
  type ParsedCatalogueRow,
} from "../../../src/domain/catalogue/csv.js";
import { binCheckDigit } from "../../../src/domain/catalogue/bin-check.js";
import { makePrefix, parsePrefix, type Prefix } from "../../../src/domain/catalogue/prefix.js";
import { runs } from "./profile.js";

const FIXTURES = fileURLToPath(new URL("../../../fixtures/catalogue/", import.meta.url));
const fixture = (name: string) => readFileSync(FIXTURES + name);

function P(text: string): Prefix {
  const r = parsePrefix(text);
  if (!r.ok) throw new Error(`${text}: ${r.message}`);
  return r.prefix;
}

/** Rows as plain data, for comparisons. */
function plain(rows: readonly (CatalogueCsvRow | ParsedCatalogueRow)[]): Record<string, unknown>[] {
  return rows.map((r) => ({ ...r, prefix: r.prefix.text }));
}

/** Errors as "line column code" (plus the related line), for table tests. */
function brief(errors: readonly CsvError[]): string[] {
  return errors.map((e) => `${e.line} ${e.column ?? "-"} ${e.code}${e.relatedLine ? ` ${e.relatedLine}` : ""}`);
}

// Fixture BINs: 940140000385 and 990140004654 are published examples (see bin-check.test.ts); the
// others are generated with the check-digit algorithm and stand for no particular organisation.
const ORG_A = "120340012345";
const ORG_B = "151140007776";
const ORG_C = "190740011116";
const OP_1 = "940140000385";
const OP_2 = "990140004654";

test("ok/fixture with BOM, CRLF, free column order and case, quoted commas, quotes and line breaks", () => {
  const { rows, errors } = parseCatalogueCsv(fixture("valid-bom-crlf.csv"));
  assert.deepEqual(errors, []);
  assert.deepEqual(plain(rows), [
    { line: 2, prefix: "192.0.2.0/24", organisationBin: ORG_A, operatorBin: OP_1, contractNumber: "Д-17/2024", note: "Head office, main building" },
    { line: 3, prefix: "198.51.100.0/25", organisationBin: ORG_B, operatorBin: OP_1, note: 'Branch "East"\r\nsecond line' },
    { line: 6, prefix: "2001:db8::/48", organisationBin: ORG_A, operatorBin: OP_2 },
    { line: 7, prefix: "203.0.113.7/32", organisationBin: ORG_C, operatorBin: OP_2, contractNumber: "C-1", note: "data centre" },
    { line: 8, prefix: "2001:db8:1::/48", organisationBin: ORG_C, operatorBin: OP_2, contractNumber: "  C-2 ", note: "  kept as written  " },
  ]);
});

test("ok/the same fixture as a string and as bytes gives the same result", () => {
  const bytes = fixture("valid-bom-crlf.csv");
  assert.deepEqual(parseCatalogueCsv(bytes.toString("utf8")), parseCatalogueCsv(bytes));
  assert.deepEqual(parseCatalogueCsv(new Uint8Array(bytes)), parseCatalogueCsv(bytes));
});

test("ok/fixture with LF and only the required columns", () => {
  const { rows, errors } = parseCatalogueCsv(fixture("valid-lf.csv"));
  assert.deepEqual(errors, []);
  assert.deepEqual(plain(rows).map((r) => r.prefix), ["10.20.0.0/16", "10.20.5.0/24", "2001:db8:20::/48"]);
});

test("fail/fixture: every row is checked and every problem names its line and column", () => {
  const { rows, errors } = parseCatalogueCsv(fixture("invalid-rows.csv"));
  assert.deepEqual(brief(errors), [
    "2 prefix host-bits-set",
    "3 organisation_bin invalid-bin",
    "4 operator_bin invalid-bin",
    "5 prefix missing-value",
    "6 - field-count",
    "8 prefix duplicate-prefix 7",
    "9 prefix leading-zeros",
    "10 prefix zone-id",
    "11 prefix ipv4-mapped",
    "12 - stray-quote",
    "13 - stray-quote",
    "14 organisation_bin missing-value",
    "15 prefix host-bits-set",
    "16 - unterminated-quote",
  ]);
  assert.deepEqual(plain(rows).map((r) => [r.line, r.prefix]), [[7, "192.0.2.0/24"]]);
  const dup = errors.find((e) => e.code === "duplicate-prefix")!;
  assert.match(dup.message, /192\.0\.2\.0\/24 is already on line 7/);
  assert.match(errors[0]!.message, /did you mean 10\.1\.2\.0\/24/);
  assert.match(errors[1]!.message, /check digit/);
});

const HEADER = "prefix,organisation_bin,operator_bin";
const ROW = `10.0.0.0/8,${ORG_A},${OP_1}`;

const FAIL: [string, string | Uint8Array, string[]][] = [
  ["empty file", "", ["1 - missing-header"]],
  ["only blank lines", "\r\n\n  \n", ["1 - missing-header"]],
  ["only a BOM", "\ufeff", ["1 - missing-header"]],
  ["unknown column (US spelling)", "prefix,organization_bin,operator_bin\n" + ROW, ["1 organization_bin unknown-column", "1 organisation_bin missing-column"]],
  ["duplicate column", "prefix,Prefix,organisation_bin,operator_bin\n", ["1 prefix duplicate-column"]],
  ["missing required columns", "prefix,note\n", ["1 organisation_bin missing-column", "1 operator_bin missing-column"]],
  ["quote error in the header", 'prefix,"organisation_bin,operator_bin\n', ["1 - unterminated-quote"]],
  ["too many fields", `${HEADER}\n${ROW},extra\n`, ["2 - field-count"]],
  ["too few fields", `${HEADER}\n10.0.0.0/8,${ORG_A}\n`, ["2 - field-count"]],
  ["trailing comma at end of file", `${HEADER}\n${ROW},`, ["2 - field-count"]],
  ["BIN with letters", `${HEADER}\n10.0.0.0/8,12034001234X,${OP_1}\n`, ["2 organisation_bin invalid-bin"]],
  ["BIN field holding a long text", `${HEADER}\n10.0.0.0/8,${"x".repeat(60)},${OP_1}\n`, ["2 organisation_bin invalid-bin"]],
  ["BIN with spaces inside", `${HEADER}\n10.0.0.0/8,120 340 012 345,${OP_1}\n`, ["2 organisation_bin invalid-bin"]],
  ["operator BIN empty", `${HEADER}\n10.0.0.0/8,${ORG_A},\n`, ["2 operator_bin missing-value"]],
  ["both BINs wrong: both reported", `${HEADER}\n10.0.0.0/8,120340012346,940140000386\n`, ["2 organisation_bin invalid-bin", "2 operator_bin invalid-bin"]],
  ["contract number too long", `${HEADER},contract_number\n${ROW},${"x".repeat(101)}\n`, ["2 contract_number invalid-value"]],
  ["control character in a contract number", `${HEADER},contract_number\n${ROW},"A\tB"\n`, ["2 contract_number invalid-value"]],
  ["note too long", `${HEADER},note\n${ROW},${"n".repeat(501)}\n`, ["2 note invalid-value"]],
  ["NUL in a note", `${HEADER},note\n${ROW},a\u0000b\n`, ["2 note invalid-value"]],
  ["lone surrogate in a note", `${HEADER},note\n${ROW},a\ud800b\n`, ["2 note invalid-value"]],
  ["the same prefix written two ways", `${HEADER}\n2001:DB8::/32,${ORG_A},${OP_1}\n2001:0db8:0::/32,${ORG_B},${OP_1}\n`, ["3 prefix duplicate-prefix 2"]],
  ["duplicate after a record spanning lines", `${HEADER},note\n${ROW},"a\nb"\n${ROW},\n`, ["4 prefix duplicate-prefix 2"]],
  ["invalid UTF-8 on line 3", Buffer.concat([Buffer.from(`${HEADER},note\n${ROW},ok\n10.1.0.0/16,${ORG_A},${OP_1},`), Buffer.from([0xc3, 0x28]), Buffer.from("\n")]), ["3 - invalid-encoding"]],
  ["UTF-8 overlong encoding", Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from([0xc0, 0xaf])]), ["2 - invalid-encoding"]],
  ["UTF-8 encoded surrogate", Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from([0xed, 0xa0, 0x80])]), ["2 - invalid-encoding"]],
  ["truncated UTF-8 sequence", Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from([0xe2, 0x82])]), ["2 - invalid-encoding"]],
  ["UTF-16 file", Buffer.from("\ufeffprefix,organisation_bin\n", "utf16le"), ["1 - invalid-encoding"]],
];

for (const [name, input, expected] of FAIL) {
  test(`fail/${name}`, () => {
    const r = parseCatalogueCsv(input);
    assert.deepEqual(brief(r.errors), expected);
    for (const e of r.errors) assert.ok(e.message.length > 0);
  });
}

test("ok/blank lines, spaces around unquoted values and a missing final line break", () => {
  const { rows, errors } = parseCatalogueCsv(`\n  ${HEADER}  \n\n  10.0.0.0/8 \t, ${ORG_A} ,${OP_1}\n\n`);
  assert.deepEqual(errors, []);
  assert.deepEqual(plain(rows), [{ line: 4, prefix: "10.0.0.0/8", organisationBin: ORG_A, operatorBin: OP_1 }]);
  const noEol = parseCatalogueCsv(`${HEADER}\r\n${ROW}`);
  assert.equal(noEol.rows.length, 1);
});

test("ok/a lone CR ends a record", () => {
  const { rows, errors } = parseCatalogueCsv(fixture("csv_corpus/bare-cr.csv"));
  assert.deepEqual(errors, []);
  assert.deepEqual(plain(rows), [{ line: 2, prefix: "10.0.0.0/8", organisationBin: ORG_A, operatorBin: OP_1 }]);
});

test("ok/a lone CR inside a quoted note counts as a line", () => {
  const r = parseCatalogueCsv(`${HEADER},note\r${ROW},"a\rb"\r10.1.0.0/16,${ORG_A},${OP_1},x\r`);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.rows.map((x) => x.line), [2, 4]);
});

test("fail/size cap", () => {
  const text = `${HEADER}\n${ROW}\n`;
  assert.deepEqual(brief(parseCatalogueCsv(text, { maxBytes: 10 }).errors), ["0 - too-large"]);
  assert.deepEqual(brief(parseCatalogueCsv(Buffer.from(text), { maxBytes: 10 }).errors), ["0 - too-large"]);
  // The cap counts bytes, not characters: Cyrillic is two bytes a letter.
  const cyr = `${HEADER},note\n${ROW},${"ж".repeat(20)}\n`;
  assert.equal(parseCatalogueCsv(cyr, { maxBytes: cyr.length + 5 }).errors[0]?.code, "too-large");
  assert.deepEqual(parseCatalogueCsv(cyr, { maxBytes: Buffer.byteLength(cyr) }).errors, []);
});

test("fail/row cap stops at the first row past it; blank lines do not count", () => {
  const lines = [HEADER, "", `10.0.0.0/8,${ORG_A},${OP_1}`, "", `10.1.0.0/16,${ORG_A},${OP_1}`, `10.2.0.0/16,${ORG_A},${OP_1}`, `10.3.0.0/16,${ORG_A},${OP_1}`];
  const r = parseCatalogueCsv(lines.join("\n"), { maxRows: 2 });
  assert.deepEqual(brief(r.errors), ["6 - too-many-rows"]);
  assert.equal(r.rows.length, 2);
});

test("fail/error cap ends with too-many-errors", () => {
  const bad = Array.from({ length: 10 }, (_, i) => `10.${i}.0.1/16,${ORG_A},${OP_1}`);
  const r = parseCatalogueCsv([HEADER, ...bad].join("\n"), { maxErrors: 3 });
  assert.deepEqual(brief(r.errors), ["2 prefix host-bits-set", "3 prefix host-bits-set", "4 prefix host-bits-set", "5 - too-many-errors"]);
  const header = parseCatalogueCsv("a,b,c,d\n", { maxErrors: 2 });
  assert.equal(header.errors.at(-1)?.code, "too-many-errors");
  const quotes = parseCatalogueCsv([HEADER, ...Array.from({ length: 5 }, () => 'a"b,c,d')].join("\n"), { maxErrors: 2 });
  assert.deepEqual(brief(quotes.errors), ["2 - stray-quote", "3 - stray-quote", "4 - too-many-errors"]);
  const counts = parseCatalogueCsv([HEADER, ...Array.from({ length: 5 }, () => "a,b")].join("\n"), { maxErrors: 1 });
  assert.deepEqual(brief(counts.errors), ["2 - field-count", "3 - too-many-errors"]);
});

test("ok/defaults: 200,000 rows are accepted, one more is refused", { timeout: 60_000 }, () => {
  const rows: CatalogueCsvRow[] = [];
  for (let i = 0; i < 200_001; i++) {
    const r = makePrefix(4, [(0x0a000000 + i * 4) >>> 0], 30);
    if (!r.ok) throw new Error(r.message);
    rows.push({ prefix: r.prefix, organisationBin: ORG_A, operatorBin: OP_1 });
  }
  const all = exportCatalogueCsv(rows);
  assert.ok(Buffer.byteLength(all) < 10 * 1024 * 1024);
  // One parse shows both: the first 200,000 rows pass, the 200,001st stops the import.
  const r = parseCatalogueCsv(all);
  assert.deepEqual(brief(r.errors), ["200002 - too-many-rows"]);
  assert.equal(r.rows.length, 200_000);
  assert.equal(r.rows.at(-1)?.line, 200_001);
});

// ---------------------------------------------------------------------------------------------------
// Export.

test("ok/export: header, order by prefix, quoting only where needed, CRLF", () => {
  const rows: CatalogueCsvRow[] = [
    { prefix: P("2001:db8::/32"), organisationBin: ORG_A, operatorBin: OP_1 },
    { prefix: P("10.1.0.0/16"), organisationBin: ORG_B, operatorBin: OP_2, contractNumber: "K-1", note: 'a "b", c' },
    { prefix: P("10.0.0.0/8"), organisationBin: ORG_A, operatorBin: OP_1, note: " edge " },
    { prefix: P("10.1.0.0/16"), organisationBin: ORG_A, operatorBin: OP_1, note: "two\nlines" },
  ];
  assert.equal(
    exportCatalogueCsv(rows),
    [
      "prefix,organisation_bin,operator_bin,contract_number,note",
      `10.0.0.0/8,${ORG_A},${OP_1},," edge "`,
      `10.1.0.0/16,${ORG_A},${OP_1},,"two\nlines"`,
      `10.1.0.0/16,${ORG_B},${OP_2},K-1,"a ""b"", c"`,
      `2001:db8::/32,${ORG_A},${OP_1},,`,
      "",
    ].join("\r\n"),
  );
  assert.equal(exportCatalogueCsv([], { lineEnding: "\n", bom: true }), "\ufeffprefix,organisation_bin,operator_bin,contract_number,note\n");
  assert.equal(CATALOGUE_COLUMNS.length, 5);
});

test("ok/export orders equal prefixes by organisation BIN, then operator BIN", () => {
  const rows: CatalogueCsvRow[] = [
    { prefix: P("10.0.0.0/8"), organisationBin: ORG_B, operatorBin: OP_1 },
    { prefix: P("10.0.0.0/8"), organisationBin: ORG_A, operatorBin: OP_2 },
    { prefix: P("10.0.0.0/8"), organisationBin: ORG_A, operatorBin: OP_1 },
    { prefix: P("10.0.0.0/8"), organisationBin: ORG_B, operatorBin: OP_1 },
  ];
  const lines = exportCatalogueCsv(rows, { lineEnding: "\n" }).trim().split("\n").slice(1);
  assert.deepEqual(lines.map((l) => l.split(",").slice(1, 3).join(" ")), [`${ORG_A} ${OP_1}`, `${ORG_A} ${OP_2}`, `${ORG_B} ${OP_1}`, `${ORG_B} ${OP_1}`]);
});

test("ok/export is stable: equal keys keep input order", () => {
  const a: CatalogueCsvRow = { prefix: P("10.0.0.0/8"), organisationBin: ORG_A, operatorBin: OP_1, note: "first" };
  const b: CatalogueCsvRow = { ...a, note: "second" };
  assert.match(exportCatalogueCsv([a, b]), /first[\s\S]*second/);
  assert.match(exportCatalogueCsv([b, a]), /second[\s\S]*first/);
});

// ---------------------------------------------------------------------------------------------------
// Properties.

const digits11 = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 11, maxLength: 11 }).map((d) => d.join(""));
const bin = digits11.filter((d) => binCheckDigit(d) !== undefined).map((d) => d + binCheckDigit(d));
const word = fc.integer({ min: 0, max: 0xffffffff });
const prefix = fc.oneof(
  fc.tuple(word, fc.integer({ min: 0, max: 32 })).map(([w, len]) => makePrefix(4, [len === 0 ? 0 : (w & ((0xffffffff << (32 - len)) >>> 0)) >>> 0], len)),
  fc.tuple(word, word, fc.integer({ min: 0, max: 64 })).map(([a, b, len]) => {
    const m = (x: number, bits: number) => (bits >= 32 ? x : bits <= 0 ? 0 : (x & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0);
    return makePrefix(6, [m(a, len) || 0x20010db8, m(b, len - 32), 0, 0], len);
  }),
).filter((r) => r.ok).map((r) => (r as { prefix: Prefix }).prefix);
// Text that exercises quoting: separators, quotes, line breaks, edge spaces, Cyrillic and Kazakh letters.
const text = (max: number, unit: fc.Arbitrary<string>) => fc.string({ unit, minLength: 1, maxLength: max });
const noteChar = fc.oneof(fc.constantFrom(",", '"', "\r\n", "\n", " ", "\t", "ә", "Қ", "ж", "€", "😀"), fc.string({ minLength: 1, maxLength: 1 }));
const contractChar = fc.oneof(fc.constantFrom(",", '"', " ", "№", "/", "-"), fc.string({ minLength: 1, maxLength: 1 }));
const row = fc.record(
  {
    prefix,
    organisationBin: bin,
    operatorBin: bin,
    contractNumber: text(100, contractChar),
    note: text(500, noteChar),
  },
  { requiredKeys: ["prefix", "organisationBin", "operatorBin"] },
);
const rows = fc.uniqueArray(row, { selector: (r) => r.prefix.text, maxLength: 30 });

test("ok/property: parse(export(rows)) gives the rows back, in prefix order", () => {
  fc.assert(
    fc.property(rows, fc.constantFrom("\r\n" as const, "\n" as const), fc.boolean(), fc.boolean(), (list, lineEnding, bom, bytes) => {
      const out = exportCatalogueCsv(list, { lineEnding, bom });
      const parsed = parseCatalogueCsv(bytes ? Buffer.from(out, "utf8") : out);
      assert.deepEqual(parsed.errors, []);
      const expected = plain(list).sort((a, b) => list.findIndex((r) => r.prefix.text === a.prefix) - list.findIndex((r) => r.prefix.text === b.prefix));
      const got = plain(parsed.rows).map(({ line: _line, ...r }) => r);
      const sortedExpected = plain([...list].sort((a, b) => exportOrder(a, b)));
      assert.deepEqual(got, sortedExpected);
      assert.equal(got.length, expected.length);
      // Exporting again is byte-identical.
      assert.equal(exportCatalogueCsv(parsed.rows.map(({ line: _l, ...r }) => r), { lineEnding, bom }), out);
    }),
    runs(300),
  );
});

function exportOrder(a: CatalogueCsvRow, b: CatalogueCsvRow): number {
  const pa = a.prefix;
  const pb = b.prefix;
  if (pa.family !== pb.family) return pa.family - pb.family;
  for (let i = 0; i < pa.words.length; i++) if (pa.words[i] !== pb.words[i]) return pa.words[i]! < pb.words[i]! ? -1 : 1;
  return pa.length - pb.length;
}

const KNOWN_CODES = new Set([
  "too-large", "too-many-rows", "too-many-errors", "invalid-encoding", "missing-header", "missing-column", "unknown-column",
  "duplicate-column", "unterminated-quote", "stray-quote", "field-count", "missing-value", "invalid-bin", "invalid-value",
  "duplicate-prefix", "invalid-prefix", "invalid-address", "invalid-length", "host-bits-set", "zone-id", "ipv4-mapped", "leading-zeros",
]);

function checkResult(r: ReturnType<typeof parseCatalogueCsv>, lines: number): void {
  for (const e of r.errors) {
    assert.ok(KNOWN_CODES.has(e.code), e.code);
    assert.ok(Number.isInteger(e.line) && e.line >= 0 && e.line <= lines + 1, `line ${e.line} of ${lines}`);
  }
  for (const row of r.rows) assert.ok(parsePrefix(row.prefix.text).ok);
}

test("ok/property: arbitrary bytes never throw", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
      checkResult(parseCatalogueCsv(b), b.length);
    }),
    runs(2000),
  );
});

test("ok/property: CSV-shaped noise and mutated corpus files never throw", () => {
  const corpus = [
    ...readdirSync(FIXTURES + "csv_corpus").map((f) => fixture("csv_corpus/" + f)),
    fixture("valid-bom-crlf.csv"),
    fixture("valid-lf.csv"),
    fixture("invalid-rows.csv"),
  ];
  const csvChar = fc.constantFrom(",", '"', "\r", "\n", " ", "\t", "/", ":", ".", "0", "1", "9", "a", "f", "ж", "\ufeff", "\u0000");
  const header = fc.shuffledSubarray([...CATALOGUE_COLUMNS, "PREFIX", "extra"], { minLength: 0 }).map((c) => c.join(",") + "\n");
  const mutated = fc.tuple(fc.constantFrom(...corpus), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat()).map(([src, edits, cut]) => {
    const b = Buffer.from(src);
    for (const [at, v] of edits) if (b.length) b[at % b.length] = v;
    return b.subarray(0, b.length ? cut % (b.length + 1) : 0);
  });
  fc.assert(
    fc.property(fc.oneof(fc.tuple(header, fc.string({ unit: csvChar, maxLength: 300 })).map(([h, s]) => h + s), mutated), (input) => {
      const lines = (typeof input === "string" ? input : input.toString("latin1")).split(/\r\n|\r|\n/).length;
      checkResult(parseCatalogueCsv(input, { maxRows: 50, maxErrors: 20 }), lines);
    }),
    runs(2000),
  );
});
