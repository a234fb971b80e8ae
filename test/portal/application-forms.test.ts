/**
 * The application forms the portal generates from the contract schemas: for every kind a person submits,
 * an empty form names what is missing by JSON pointers that exist in the schema, and a form filled the way a
 * person fills it (text in inputs, one address per line, dates from date inputs, times in Asia/Almaty)
 * builds a document the API's own schema accepts. The same for the data of every event.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FormatRegistry, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { DOCUMENTS, EVENT_DATA, IncidentDocument, RecategorisationDocument } from "../../src/contract/applications.js";
import { FORM_KINDS } from "../../portal/src/features/applications/vocabulary.js";
import { buildDocument, emptyDraft, isCategoryList, isDate, isInstant, isPem, isTrue, type Draft, type Schema } from "../../portal/src/features/applications/document-draft.js";

// The API registers these formats in its validator; Value.Check needs them too.
if (!FormatRegistry.Has("email")) FormatRegistry.Set("email", (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v));
if (!FormatRegistry.Has("date-time")) FormatRegistry.Set("date-time", (v) => !Number.isNaN(Date.parse(v)) && /T/.test(v));

const t = (k: string) => k;

/** What a person types into each field, by its name and its type. */
function typed(name: string, s: Schema): Draft {
  if (s.type === "object") return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, typed(k, v)]));
  if (isCategoryList(name, s)) return ["news", "education"];
  if (s.type === "array") {
    if (s.items?.type === "object") return [typed(name, s.items)];
    const lines: Record<string, string> = {
      networks: "10.1.2.0/24\n10.1.3.0/24",
      destinations: "vpn.partner.kz",
      affectedDomains: "mail.mdd.example",
    };
    return lines[name] ?? "10.1.2.10\n 10.1.2.11 \n";
  }
  if (isTrue(s) || s.type === "boolean") return true;
  if (Array.isArray(s.anyOf)) return String(s.anyOf[0]!.const);
  if (isDate(s)) return name === "changedOn" ? "2026-03-10" : "2027-03-12";
  if (isInstant(s)) return "2026-03-12T10:30";
  if (isPem(s)) return "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUTest\n-----END CERTIFICATE-----\n";
  if (s.type === "integer") return name === "port" ? "22" : "2";
  const text: Record<string, string> = {
    domain: "portal.mdd.gov.kz",
    host: "portal.mdd.gov.kz",
    email: "it@mdd.gov.kz",
    contactEmail: "it@mdd.gov.kz",
    suggestedCategory: "news",
    category: "news",
    referenceId: "ABC-123",
    justification: "The ministry's staff reach the partner's network over this VPN.",
    reason: "Our press office publishes official announcements there.",
  };
  return text[name] ?? `  Test ${name}  `;
}

function pointerExists(schema: Schema, pointer: string): boolean {
  let s: Schema | undefined = schema;
  for (const part of pointer.split("/").slice(2)) {
    if (!s) return false;
    s = /^\d+$/.test(part) ? s.items : s.properties?.[part];
  }
  return s !== undefined;
}

const forms: [string, TSchema][] = [...FORM_KINDS.map((k) => [k, DOCUMENTS[k]] as [string, TSchema]), ["incident", IncidentDocument], ["recategorisation", RecategorisationDocument]];

describe("application forms from the contract schemas", () => {
  for (const [kind, schema] of forms) {
    test(`${kind}: an empty form names what is missing, by pointers of the schema`, () => {
      const built = buildDocument(schema, emptyDraft(schema as Schema), t);
      const paths = Object.keys(built.errors);
      assert.ok(paths.length > 0, "something is required");
      for (const p of paths) assert.ok(pointerExists(schema as Schema, p), `${p} is not a field of ${kind}`);
    });

    test(`${kind}: a filled form builds a document the API's schema accepts`, () => {
      const built = buildDocument(schema, typed("", schema as Schema), t);
      assert.deepEqual(built.errors, {});
      const problems = [...Value.Errors(schema, built.value)].map((e) => `${e.path}: ${e.message}`);
      assert.deepEqual(problems, []);
    });
  }

  for (const [type, schema] of Object.entries(EVENT_DATA)) {
    test(`event ${type}: its data form builds what the API accepts`, () => {
      const built = buildDocument(schema, typed("", schema as Schema), t, "/data");
      assert.deepEqual(built.errors, {});
      assert.deepEqual([...Value.Errors(schema, built.value)].map((e) => `${e.path}: ${e.message}`), []);
    });
  }

  test("text is trimmed, lists are one per line, optional empty groups are left out, times are read in Almaty", () => {
    const built = buildDocument(IncidentDocument, { ...(emptyDraft(IncidentDocument as Schema) as Record<string, Draft>), title: "  Phishing  ", description: "Fake e-Gov page", severity: "high", occurredAt: "2026-03-12T10:30", affectedAddresses: "10.0.0.1\n\n 10.0.0.2 " }, t);
    assert.deepEqual(built.errors, {});
    assert.deepEqual(built.value, { title: "Phishing", description: "Fake e-Gov page", severity: "high", occurredAt: "2026-03-12T05:30:00.000Z", affectedAddresses: ["10.0.0.1", "10.0.0.2"] });
  });

  test("a malformed number and an unconfirmed declaration are said next to their fields", () => {
    const schema = DOCUMENTS["channel-connection"];
    const draft = typed("", schema as Schema) as Record<string, Draft>;
    const built = buildDocument(schema, { ...draft, bandwidthGbps: "ten", independentPaths: false }, t);
    assert.deepEqual(built.errors, { "/document/bandwidthGbps": "apps.wholeNumber", "/document/independentPaths": "apps.mustConfirm" });
  });
});
