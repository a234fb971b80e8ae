import { Type } from "@sinclair/typebox";
import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { IdParams, Page } from "../../contract/common.js";
import { Organisation, OrganisationCreate, OrganisationQuery, OrganisationUpdate } from "../../contract/organisations.js";
import { TelecomOperator, TelecomOperatorCreate, TelecomOperatorQuery, TelecomOperatorUpdate } from "../../contract/operators.js";
import { Contract, ContractCreate, ContractQuery, ContractUpdate } from "../../contract/contracts.js";
import { Account, AccountCreate, AccountQuery, AccountUpdate } from "../../contract/accounts.js";
import * as orgs from "../../services/organisations.js";
import * as ops from "../../services/operators.js";
import * as contracts from "../../services/contracts.js";
import * as accounts from "../../services/accounts.js";

/** Organisations, telecom operators, contracts and accounts: the registry every other part refers to. */
export function registryRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    let tags = ["organisations"];
    route({ method: "GET", url: "/api/organisations", access: "organisation.read", schema: { tags, summary: "List organisations in the caller's scope", querystring: OrganisationQuery, response: { 200: Page(Organisation) } } }, (req) =>
      tx(deps, req, (ctx) => orgs.listOrganisations(ctx, req.query)),
    );
    route({ method: "POST", url: "/api/organisations", access: "organisation.write", schema: { tags, summary: "Register an organisation (the Rules' User)", body: OrganisationCreate, response: { 201: Organisation } } }, async (req, reply) =>
      reply.code(201).send(await tx(deps, req, (ctx) => orgs.createOrganisation(ctx, req.body))),
    );
    route({ method: "GET", url: "/api/organisations/:id", access: "organisation.read", schema: { tags, params: IdParams, response: { 200: Organisation } } }, (req) =>
      tx(deps, req, (ctx) => orgs.getOrganisation(ctx, req.params.id)),
    );
    route({ method: "PATCH", url: "/api/organisations/:id", access: "organisation.write", schema: { tags, params: IdParams, body: OrganisationUpdate, response: { 200: Organisation } } }, (req) =>
      tx(deps, req, (ctx) => orgs.updateOrganisation(ctx, req.params.id, req.body)),
    );

    tags = ["operators"];
    route({ method: "GET", url: "/api/operators", access: "operator.read", schema: { tags, summary: "List telecom operators in the caller's scope", querystring: TelecomOperatorQuery, response: { 200: Page(TelecomOperator) } } }, (req) =>
      tx(deps, req, (ctx) => ops.listOperators(ctx, req.query)),
    );
    route({ method: "POST", url: "/api/operators", access: "operator.write", schema: { tags, body: TelecomOperatorCreate, response: { 201: TelecomOperator } } }, async (req, reply) =>
      reply.code(201).send(await tx(deps, req, (ctx) => ops.createOperator(ctx, req.body))),
    );
    route({ method: "GET", url: "/api/operators/:id", access: "operator.read", schema: { tags, params: IdParams, response: { 200: TelecomOperator } } }, (req) =>
      tx(deps, req, (ctx) => ops.getOperator(ctx, req.params.id)),
    );
    route({ method: "PATCH", url: "/api/operators/:id", access: "operator.write", schema: { tags, params: IdParams, body: TelecomOperatorUpdate, response: { 200: TelecomOperator } } }, (req) =>
      tx(deps, req, (ctx) => ops.updateOperator(ctx, req.params.id, req.body)),
    );

    tags = ["contracts"];
    route({ method: "GET", url: "/api/contracts", access: "contract.read", schema: { tags, summary: "Contracts between organisations and operators (p.4)", querystring: ContractQuery, response: { 200: Page(Contract) } } }, (req) =>
      tx(deps, req, (ctx) => contracts.listContracts(ctx, req.query)),
    );
    route({ method: "POST", url: "/api/contracts", access: "contract.write", schema: { tags, body: ContractCreate, response: { 201: Contract } } }, async (req, reply) =>
      reply.code(201).send(await tx(deps, req, (ctx) => contracts.createContract(ctx, req.body))),
    );
    route({ method: "GET", url: "/api/contracts/:id", access: "contract.read", schema: { tags, params: IdParams, response: { 200: Contract } } }, (req) =>
      tx(deps, req, (ctx) => contracts.getContract(ctx, req.params.id)),
    );
    route({ method: "PATCH", url: "/api/contracts/:id", access: "contract.write", schema: { tags, params: IdParams, body: ContractUpdate, response: { 200: Contract } } }, (req) =>
      tx(deps, req, (ctx) => contracts.updateContract(ctx, req.params.id, req.body)),
    );

    tags = ["accounts"];
    route({ method: "GET", url: "/api/accounts", access: "account.read", schema: { tags, querystring: AccountQuery, response: { 200: Page(Account) } } }, (req) =>
      tx(deps, req, (ctx) => accounts.listAccounts(ctx, req.query)),
    );
    route({ method: "POST", url: "/api/accounts", access: "account.write", schema: { tags, body: AccountCreate, response: { 201: Account } } }, async (req, reply) =>
      reply.code(201).send(await tx(deps, req, (ctx) => accounts.createAccount(ctx, req.body, { mustChangePassword: true }))),
    );
    route({ method: "PATCH", url: "/api/accounts/:id", access: "account.write", schema: { tags, params: IdParams, body: AccountUpdate, response: { 200: Account } } }, (req) =>
      tx(deps, req, (ctx) => accounts.updateAccount(ctx, req.params.id, req.body)),
    );
    void Type;
  };
}
