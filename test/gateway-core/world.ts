/** A small policy world shared by the gateway-core tests: the curated seed plus a test content list. */
import { buildCategoryDatabase } from "../../src/categories/database.js";
import type { CategoryEntry } from "../../src/categories/entry.js";
import { PolicySnapshot, type SnapshotInput, type OrganisationInput } from "../../src/gateway-core/snapshot.js";

export const TEST_LIST: CategoryEntry[] = [
  ["news.example", "news"],
  ["social.example", "social-networks"],
  ["shop.example", "shopping"],
  ["shop.example/blog", "news"],
  ["wrongcert.example", "shopping"],
  ["games.example", "games"],
  ["casino.example", "gambling"],
  ["casino.example/promo", "gambling"],
  ["search.example", "search-engines"],
  ["mixed.example", "news"],
  ["mixed.example/forum", "social-networks"],
  ["nordvpn.example", "vpn"],
  ["198.51.100.0/24", "malware"],
].map(([pattern, category]) => ({ pattern: pattern!, category: category as CategoryEntry["category"], source: "test-list" }));

export function categoriesDb() {
  return buildCategoryDatabase({
    version: "test-1",
    lists: [{ source: { name: "test-list", licence: "test", fetched: "2026-11-01", version: "1" }, entries: TEST_LIST }],
  }).database;
}

export const NOW = Date.parse("2026-11-26T09:00:00Z");

export const MINISTRY: OrganisationInput = {
  id: "org-ministry",
  bin: "000000000001",
  name: "Ministry",
  status: "active",
  prefixes: ["10.1.0.0/16", "2001:db8:1::/48"],
  policy: {
    id: "pol-1",
    allowCategories: ["shopping", "social-networks"],
    denyCategories: ["news", "finance-banking"],
    allowDestinations: ["partner.example", "203.0.113.0/24"],
    sourceNetworks: [],
    validFrom: "2026-01-15T00:00:00Z",
    validUntil: "2027-01-15T00:00:00Z",
    allowUncategorised: false,
  },
  exceptions: [
    { id: "ex-vpn", categories: ["vpn"], protocols: ["openvpn"], destinations: ["nordvpn.example"], validUntil: "2026-12-31T00:00:00Z" },
    { id: "ex-old", categories: ["remote-access"], protocols: ["ssh"], destinations: [], validUntil: "2026-01-01T00:00:00Z" },
  ],
};

export const AKIMAT: OrganisationInput = { id: "org-akimat", bin: "000000000002", name: "Akimat", status: "active", prefixes: ["10.2.0.0/16"], policy: null, exceptions: [] };
export const GONE: OrganisationInput = { id: "org-gone", bin: "000000000003", name: "Gone", status: "disconnected", prefixes: ["10.3.0.0/16"], policy: null, exceptions: [] };

export function snapshot(over: Partial<SnapshotInput> = {}) {
  return PolicySnapshot.compile({
    createdAt: "2026-11-26T00:00:00Z",
    organisations: [MINISTRY, AKIMAT, GONE],
    blockedSources: ["192.0.2.66"],
    hosts: {},
    categories: categoriesDb(),
    ...over,
  });
}
