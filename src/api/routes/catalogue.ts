import { Type } from "@sinclair/typebox";
import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { IdParams, Page } from "../../contract/common.js";
import { CataloguePrefix, CataloguePrefixCreate, CataloguePrefixUpdate, CatalogueQuery, HistoryEntry, LookupResult } from "../../contract/catalogue.js";
import * as cat from "../../services/catalogue.js";
import { importCatalogueCsv, exportCatalogue } from "../../services/catalogue-import.js";
import { Uuid } from "../../contract/common.js";

const tags = ["catalogue"];

export function catalogueRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    route({ method: "GET", url: "/api/catalogue/prefixes", access: "catalogue.read", schema: { tags, summary: "Prefixes of the IP address catalogue in the caller's scope (p.13)", querystring: CatalogueQuery, response: { 200: Page(CataloguePrefix) } } }, (req) =>
      tx(deps, req, (ctx) => cat.listPrefixes(ctx, req.query)),
    );
    route({ method: "POST", url: "/api/catalogue/prefixes", access: "catalogue.write", schema: { tags, summary: "Add a prefix; refused if it overlaps another organisation's prefix", body: CataloguePrefixCreate, response: { 201: CataloguePrefix } } }, async (req, reply) =>
      reply.code(201).send(await tx(deps, req, (ctx) => cat.createPrefix(ctx, req.body))),
    );
    route({ method: "GET", url: "/api/catalogue/prefixes/:id", access: "catalogue.read", schema: { tags, params: IdParams, response: { 200: CataloguePrefix } } }, (req) =>
      tx(deps, req, (ctx) => cat.getPrefix(ctx, req.params.id)),
    );
    route({ method: "PATCH", url: "/api/catalogue/prefixes/:id", access: "catalogue.write", schema: { tags, params: IdParams, body: CataloguePrefixUpdate, response: { 200: CataloguePrefix } } }, (req) =>
      tx(deps, req, (ctx) => cat.updatePrefix(ctx, req.params.id, req.body)),
    );
    route({ method: "DELETE", url: "/api/catalogue/prefixes/:id", access: "catalogue.write", schema: { tags, params: IdParams, response: { 204: Type.Null() } } }, async (req, reply) => {
      await tx(deps, req, (ctx) => cat.deletePrefix(ctx, req.params.id));
      return reply.code(204).send();
    });
    route({ method: "GET", url: "/api/catalogue/prefixes/:id/history", access: "catalogue.read", schema: { tags, summary: "Every change of a prefix: who, when, before/after", params: IdParams, response: { 200: Type.Array(HistoryEntry) } } }, (req) =>
      tx(deps, req, (ctx) => cat.prefixHistory(ctx, req.params.id)),
    );
    route(
      {
        method: "POST",
        url: "/api/catalogue/import",
        access: "catalogue.write",
        bodyLimit: 16 * 1024 * 1024,
        schema: {
          tags,
          summary: "Import a catalogue CSV (prefix, organisation_bin, operator_bin, contract_number, note): all rows or none",
          consumes: ["text/csv"],
          querystring: Type.Object(
            {
              mode: Type.Union([Type.Literal("merge"), Type.Literal("replace")], { default: "merge" }),
              dryRun: Type.Boolean({ default: false }),
              operatorId: Type.Optional(Uuid),
            },
            { additionalProperties: false },
          ),
          body: Type.String({ description: "CSV text" }),
          response: { 200: Type.Object({ created: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer(), removed: Type.Integer(), dryRun: Type.Boolean() }) },
        },
      },
      (req) => tx(deps, req, (ctx) => importCatalogueCsv(ctx, req.body, req.query)),
    );
    route(
      { method: "GET", url: "/api/catalogue/export", access: "catalogue.read", schema: { tags, summary: "The catalogue in the caller's scope as CSV", querystring: Type.Object({ operatorId: Type.Optional(Uuid) }, { additionalProperties: false }), produces: ["text/csv"] } },
      async (req, reply) => {
        const csv = await tx(deps, req, (ctx) => exportCatalogue(ctx, req.query.operatorId));
        return reply.type("text/csv; charset=utf-8").header("content-disposition", 'attachment; filename="catalogue.csv"').send(csv);
      },
    );
    route({ method: "GET", url: "/api/catalogue/lookup", access: "catalogue.read", schema: { tags, summary: "Longest-prefix match of an address", querystring: Type.Object({ address: Type.String({ minLength: 2, maxLength: 64 }) }, { additionalProperties: false }), response: { 200: LookupResult } } }, (req) =>
      tx(deps, req, (ctx) => cat.lookupAddress(ctx, req.query.address)),
    );
  };
}
