/**
 * /api/ca — the gateway CA (Rules p.21–23). Reading the certificates and downloading the root is open to
 * every role: operators pass the root on (p.22), organisations install it (p.23). Generating, publishing,
 * activating, rotating and revoking are the STS administrator's. Files are served with their own content
 * types and as attachments, so a browser saves them instead of rendering them.
 */
import type { FastifyReply } from "fastify";
import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { IdParams } from "../../contract/common.js";
import {
  CaActivateRequest,
  CaCertificate,
  CaCertificateDetail,
  CaCertificateList,
  CaFileParams,
  CaInitRequest,
  CaPair,
  CaRevokeRequest,
  CaRoot,
  CaRootQuery,
  CaRotateRequest,
  CaRotateResult,
} from "../../contract/ca.js";
import * as ca from "../../services/ca.js";

const tags = ["ca"];

function sendFile(reply: FastifyReply, f: ca.CaDownload) {
  // Names are qaqpa-<hex>.<ext>, install-…, policies.json: plain ASCII, safe inside the quotes (RFC 6266 §4.1).
  return reply.type(f.contentType).header("content-disposition", `attachment; filename="${f.filename}"`).header("x-content-type-options", "nosniff").send(f.body);
}

export function caRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    const env = () => ca.caEnv(deps.store);

    route({ method: "GET", url: "/api/ca/certificates", access: "ca.read", schema: { tags, summary: "Root and intermediate certificates with state, fingerprints, validity, excluded name constraints and scheduled rotation steps", response: { 200: CaCertificateList } } }, (req) =>
      tx(deps, req, (ctx) => ca.listCaCertificates(ctx)),
    );
    route({ method: "GET", url: "/api/ca/certificates/:id", access: "ca.read", schema: { tags, summary: "One certificate with its PEM and lifecycle history", params: IdParams, response: { 200: CaCertificateDetail } } }, (req) =>
      tx(deps, req, (ctx) => ca.getCaCertificate(ctx, req.params.id)),
    );
    route(
      { method: "POST", url: "/api/ca/init", access: "ca.write", schema: { tags, summary: "Generate the first root and its issuing intermediate (both `generated`)", body: CaInitRequest, response: { 201: CaPair } } },
      async (req, reply) => reply.code(201).send(await tx(deps, req, (ctx) => ca.initCaCertificates(ctx, env(), req.body))),
    );
    route(
      { method: "POST", url: "/api/ca/certificates/:id/publish", access: "ca.write", schema: { tags, summary: "Publish a root to the telecom operators: each is e-mailed the fingerprint and the download (p.21)", params: IdParams, response: { 200: CaCertificate } } },
      (req) => tx(deps, req, (ctx) => ca.publishCaRoot(ctx, env(), req.params.id)),
    );
    route(
      { method: "POST", url: "/api/ca/certificates/:id/activate", access: "ca.write", schema: { tags, summary: "Activate: the gateway issues under it (a root activates its intermediate)", params: IdParams, body: CaActivateRequest, response: { 200: CaCertificate } } },
      (req) => tx(deps, req, (ctx) => ca.activateCaCertificate(ctx, env(), req.params.id, req.body ?? {})),
    );
    route(
      { method: "POST", url: "/api/ca/certificates/:id/revoke", access: "ca.write", schema: { tags, summary: "Revoke (RFC 5280 §5.3.1 reason); a root takes its intermediates along", params: IdParams, body: CaRevokeRequest, response: { 200: CaCertificate } } },
      (req) => tx(deps, req, (ctx) => ca.revokeCaCertificate(ctx, env(), req.params.id, req.body)),
    );
    route(
      { method: "POST", url: "/api/ca/rotate", access: "ca.write", schema: { tags, summary: "Rotate: generate the successor while the current certificate stays active; later steps are scheduled", body: CaRotateRequest, response: { 201: CaRotateResult } } },
      async (req, reply) => reply.code(201).send(await tx(deps, req, (ctx) => ca.rotateCaCertificates(ctx, env(), req.body))),
    );

    route({ method: "GET", url: "/api/ca/root", access: "ca.read", schema: { tags, summary: "The root to distribute (newest published or active; or ?id=) with its fingerprints and install files", querystring: CaRootQuery, response: { 200: CaRoot } } }, (req) =>
      tx(deps, req, (ctx) => ca.getCaRoot(ctx, req.query.id)),
    );
    route({ method: "GET", url: "/api/ca/root.pem", access: "ca.read", schema: { tags, summary: "The root certificate, PEM", querystring: CaRootQuery, produces: ["application/x-pem-file"] } }, async (req, reply) =>
      sendFile(reply, await tx(deps, req, (ctx) => ca.getCaRootFile(ctx, { format: "pem" }, req.query.id))),
    );
    route({ method: "GET", url: "/api/ca/root.der", access: "ca.read", schema: { tags, summary: "The root certificate, DER", querystring: CaRootQuery, produces: ["application/pkix-cert"] } }, async (req, reply) =>
      sendFile(reply, await tx(deps, req, (ctx) => ca.getCaRootFile(ctx, { format: "der" }, req.query.id))),
    );
    route(
      {
        method: "GET",
        url: "/api/ca/root/files/:filename",
        access: "ca.read",
        schema: {
          tags,
          summary: "One install file of the root: .pem/.der/.cer/.crt, install-….ps1 (Windows), .mobileconfig (macOS/iOS), policies.json (Firefox), install-…-debian.sh / -rhel.sh, .fingerprints.txt",
          params: CaFileParams,
          querystring: CaRootQuery,
        },
      },
      async (req, reply) => sendFile(reply, await tx(deps, req, (ctx) => ca.getCaRootFile(ctx, { filename: req.params.filename }, req.query.id))),
    );
  };
}
