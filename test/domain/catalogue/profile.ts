/**
 * fast-check profiles for the catalogue tests: a quick one for every `npm test`, a deep one for a
 * longer hunt (`QAQPA_FUZZ=deep bash scripts/test.sh --no-install test/domain/catalogue`).
 */
const deep = process.env.QAQPA_FUZZ === "deep";

/** Number of runs for a property: `quick` by default, 50× that in the deep profile. */
export function runs(quick: number): { numRuns: number } {
  return { numRuns: deep ? quick * 50 : quick };
}
