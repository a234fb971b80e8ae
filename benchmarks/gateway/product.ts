/**
 * Where the gateway bench takes qaqpa's modules from: the compiled build in dist/ — what `npm start` and the
 * `qaqpa` command run — which run.ts builds before the rows, so the bench measures the product as shipped.
 * The TypeScript sources through tsx (`--from-source`) differ from it in small ways that show in a profile
 * (tsx keeps function names with a helper call at each closure's creation, a few percent of the CPU per request).
 */
const FROM_SOURCE = process.env.QAQPA_BENCH_FROM_SOURCE === "1";

/** `path` is relative to src/ (and to dist/), with its .js extension. */
export function product<T>(path: string): Promise<T> {
  return import(new URL(`../../${FROM_SOURCE ? "src" : "dist"}/${path}`, import.meta.url).href) as Promise<T>;
}
