/**
 * Plain lists: one entry per line, `#` starts a comment. An entry is a domain (`example.com`, also written
 * `.example.com` or `*.example.com`), a URL path (`example.com/path`), an address or a CIDR.
 */
import { type ImportResult, type ListOptions, parseLines, singleToken } from "./common.js";

export function parsePlainList(text: string, options: ListOptions): ImportResult {
  return parseLines(text, options, () => undefined, singleToken);
}
