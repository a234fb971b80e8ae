/**
 * Hosts files used as block lists (`0.0.0.0 ads.example.com`, several names per line allowed). The
 * address column is checked to be an address and otherwise ignored: these files sink names to a null
 * route, the category comes from the caller. Loopback housekeeping names (`localhost`, `ip6-…`) are
 * skipped silently, as every hosts file starts with them.
 */
import type { CategoryEntry } from "../entry.js";
import { parseHostAddress, parsePattern } from "../normalise.js";
import { isCategoryId } from "../taxonomy.js";
import { type ImportError, type ImportResult, type ListOptions, errorAt, forEachLine } from "./common.js";

const HOUSEKEEPING = new Set([
  "localhost", "localhost.localdomain", "local", "broadcasthost", "localhost4", "localhost6",
  "localhost4.localdomain4", "localhost6.localdomain6", "ip6-localhost", "ip6-loopback", "ip6-localnet",
  "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters", "ip6-allhosts", "0.0.0.0",
]);

export function parseHostsFile(text: string, options: ListOptions): ImportResult {
  const { source, category, file } = options;
  const entries: CategoryEntry[] = [];
  const errors: ImportError[] = [];
  if (!isCategoryId(category)) return { source, entries, errors: [errorAt(0, `unknown category ${String(category)}`, "", file)], skipped: [] };
  if (typeof text !== "string") return { source, entries, errors: [errorAt(0, "input is not text", "", file)], skipped: [] };
  forEachLine(text, (line, n, raw) => {
    const fields = line.split(/\s+/);
    const address = fields[0]!;
    if (!parseHostAddress(address) || !/^[0-9a-fA-F:.]+$/.test(address)) {
      return void errors.push(errorAt(n, "first field is not an address", raw, file));
    }
    if (fields.length < 2) return void errors.push(errorAt(n, "address without a name", raw, file));
    for (const name of fields.slice(1)) {
      if (HOUSEKEEPING.has(name.toLowerCase())) continue;
      const p = parsePattern(name);
      if (!p.ok) errors.push(errorAt(n, `${name}: ${p.reason}`, raw, file));
      else if (p.pattern.kind !== "domain") errors.push(errorAt(n, `${name}: a hosts file names hosts only`, raw, file));
      else entries.push({ pattern: p.pattern.key, category, source: source.name });
    }
  });
  return { source, entries, errors, skipped: [] };
}
