/**
 * Installing the gateway's root certificate (p.23: organisations install it on their workstations), per
 * operating system and browser, with the downloads of GET /api/ca/root: each file is listed under the
 * platforms it serves, with its fingerprint to compare before trusting it. The CA lifecycle (generate,
 * publish, rotate) is another page; this one only guides the installation.
 */
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useLoad } from "../../hooks.js";
import { PageHeader } from "../../components/page.js";
import { WhenLoaded } from "../../components/states.js";
import { formatDate, formatNumber } from "../../i18n/format.js";
import { ApiError } from "../../api/client.js";
import { caRoot, type RootInfo } from "../applications/api.js";
import { GUIDE_PLATFORMS, GUIDE_STEPS, type Platform } from "./platforms.js";


/** The commands of each platform: code, not prose, so they are not translated. */
function commands(p: Platform, root: RootInfo): string[] {
  const file = (pred: (f: string) => boolean) => root.files.find((f) => f.platforms.includes(p) && pred(f.filename))?.filename ?? "";
  switch (p) {
    case "windows":
      return [`powershell -ExecutionPolicy Bypass -File .\\${file((f) => f.endsWith(".ps1"))}`, `certutil -addstore -f Root ${file((f) => f.endsWith(".cer"))}`];
    case "macos":
      return [`open ${file((f) => f.endsWith(".mobileconfig"))}`];
    case "firefox":
      return ["/usr/lib/firefox/distribution/policies.json", "/usr/lib/mozilla/certificates/", "C:\\Program Files\\Mozilla Firefox\\distribution\\policies.json", "/Applications/Firefox.app/Contents/Resources/distribution/policies.json"];
    case "debian":
      return [`sudo cp ${file((f) => f.endsWith(".crt"))} /usr/local/share/ca-certificates/`, "sudo update-ca-certificates"];
    case "rhel":
      return [`sudo cp ${file((f) => f.endsWith(".crt") || f.endsWith(".pem"))} /etc/pki/ca-trust/source/anchors/`, "sudo update-ca-trust extract"];
  }
}

function Downloads({ root, platform }: { root: RootInfo; platform: Platform | "common" }) {
  const { t } = useTranslation();
  const files = root.files.filter((f) => f.platforms.includes(platform));
  return (
    <ul className="plain-list downloads">
      {files.map((f) => (
        <li key={f.filename}>
          <a href={f.url} download={f.filename}>
            {f.filename}
          </a>{" "}
          <span className="muted">{t("guide.fileSize", { n: formatNumber(f.size) })}</span>
        </li>
      ))}
    </ul>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="panel guide">
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

export function RootInstallGuidePage() {
  const { t } = useTranslation();
  const root = useLoad(async (signal) => {
    try {
      return await caRoot.get(signal);
    } catch (e) {
      if (e instanceof ApiError && (e.code === "QQ_ERR_CA_NOT_INITIALISED" || e.status === 404)) return null;
      throw e;
    }
  }, []);
  return (
    <section>
      <PageHeader title={t("guide.title")} lead={t("guide.lead")} />
      <WhenLoaded of={root}>
        {(info) =>
          info === null ? (
            <p className="notice">{t("guide.noRoot")}</p>
          ) : (
            <>
              <Section id="g-check" title={t("guide.check")}>
                <p>{t("guide.checkText", { subject: info.subject, until: formatDate(info.notAfter.slice(0, 10)) })}</p>
                <dl className="doc">
                  <div className="doc-row">
                    <dt>SHA-256</dt>
                    <dd className="mono fingerprint">{info.sha256}</dd>
                  </div>
                  <div className="doc-row">
                    <dt>SHA-1</dt>
                    <dd className="mono fingerprint">{info.sha1}</dd>
                  </div>
                </dl>
                <Downloads root={info} platform="common" />
              </Section>
              <nav aria-label={t("guide.platforms")} className="toc">
                <ul>
                  {GUIDE_PLATFORMS.map((p) => (
                    <li key={p}>
                      <a href={`#g-${p}`}>{t(`guidePlatform.${p}`)}</a>
                    </li>
                  ))}
                </ul>
              </nav>
              {GUIDE_PLATFORMS.map((p) => (
                <Section key={p} id={`g-${p}`} title={t(`guidePlatform.${p}`)}>
                  <Downloads root={info} platform={p} />
                  <ol className="steps">
                    {Array.from({ length: GUIDE_STEPS[p] }, (_, i) => (
                      <li key={i}>{t(`guideStep.${p}${i + 1}`)}</li>
                    ))}
                  </ol>
                  <pre className="commands">{commands(p, info).join("\n")}</pre>
                </Section>
              ))}
            </>
          )
        }
      </WhenLoaded>
    </section>
  );
}
