/** A CSV export of every row a list's filters select (not only the page shown), with its own error state. */
import { useTranslation } from "react-i18next";
import { ProblemMessage } from "../../components/states.js";
import { useSubmit } from "../../hooks.js";
import { downloadCsv } from "../transparency/download.js";

export function ExportButton({ file, header, rows }: { file: string; header: string[]; rows: () => Promise<(string | number | null)[][]> }) {
  const { t } = useTranslation();
  const download = useSubmit();
  return (
    <>
      <button type="button" className="btn export-button" disabled={download.busy} onClick={() => void download.run(async () => downloadCsv(file, header, await rows()))}>
        {t("apps.exportCsv")}
      </button>
      {download.error !== undefined && <ProblemMessage error={download.error} />}
    </>
  );
}
