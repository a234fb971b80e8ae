/**
 * The Rules' paragraph references the workflow engine states in English ("p.15, p.15-1", "UGEM p.9",
 * "Appendix 2", "p.14 (STS service level)") in the chosen language: "п. 15", "15-т.", "ЕШЭП п. 9".
 */
type T = (key: string, opts?: Record<string, string>) => string;

export function localParagraph(t: T, text: string): string {
  return text
    .replace("STS service level (beyond the Rules)", t("paragraph.stsLevelBeyond"))
    .replace(/beyond the Rules \(accountability of p\.20 blocking\)/, t("paragraph.beyondP20"))
    .replace("(STS service level)", `(${t("paragraph.stsLevel")})`)
    .replace(/Appendix (\d+)/g, (_, n: string) => t("paragraph.appendix", { n }))
    .replace(/UGEM /g, `${t("paragraph.ugem")} `)
    .replace(/p\.(\d+(?:-\d+)?(?:–\d+)?)/g, (_, n: string) => t("paragraph.p", { n }));
}
