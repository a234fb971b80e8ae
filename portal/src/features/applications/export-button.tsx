/** A CSV export of every row a list's filters select (not only the page shown), with its own error state. */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ProblemMessage } from "../../components/states.js";
import { downloadCsv } from "../transparency/download.js";

export function ExportButton({ file, header, rows }: { file: string; header: string[]; rows: () => Promise<(string | number | null)[][]> }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  async function run() {
    setError(undefined);
    setBusy(true);
    try {
      downloadCsv(file, header, await rows());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" className="btn export-button" disabled={busy} onClick={() => void run()}>
        {t("apps.exportCsv")}
      </button>
      {error !== undefined && <ProblemMessage error={error} />}
    </>
  );
}
