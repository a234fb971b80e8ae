/**
 * p.20(6) "IS means signature update services": the hosts anti-malware products fetch detection
 * databases and engine modules from, per the vendors' network requirements. Host names, not vendor
 * zones: `upd.kaspersky.com` (s00…s19.upd, downloads.upd), not kaspersky.com.
 */
import { curated } from "./curated.js";

export const SECURITY_UPDATES = curated("security-updates", "2026-11-26", [
  ["upd.kaspersky.com", "Kaspersky database and module update servers (sNN.upd.kaspersky.com, downloads.upd.kaspersky.com)"],
  ["geo.kaspersky.com", "Kaspersky geo-distributed update servers (dnl-NN.geo.kaspersky.com)"],
  ["kaspersky-labs.com", "Kaspersky update and KSN infrastructure zone (cm.k.kaspersky-labs.com, downloadsN.kaspersky-labs.com)"],
  ["update.eset.com", "ESET detection engine and module updates"],
  ["repository.eset.com", "ESET installer and module repository"],
  ["definitionupdates.microsoft.com", "Microsoft Defender security intelligence updates"],
  ["wdcp.microsoft.com", "Microsoft Defender cloud-delivered protection"],
  ["wdcpalt.microsoft.com", "Microsoft Defender cloud-delivered protection (alternate)"],
  ["wd.microsoft.com", "Microsoft Defender cloud protection and reporting endpoints"],
  ["update.drweb.com", "Dr.Web virus database updates"],
  ["geo.drweb.com", "Dr.Web geo-distributed update and download servers"],
  ["liveupdate.symantec.com", "Symantec / Norton LiveUpdate"],
  ["symantecliveupdate.com", "Symantec / Norton LiveUpdate content delivery"],
  ["database.clamav.net", "ClamAV virus database mirrors (freshclam)"],
  ["sophosupd.com", "Sophos update servers"],
  ["sophosupd.net", "Sophos update servers"],
  ["sophosxl.net", "Sophos Live Protection lookups"],
  ["activeupdate.trendmicro.com", "Trend Micro ActiveUpdate pattern files"],
  ["upgrade.bitdefender.com", "Bitdefender signature and product updates"],
  ["bitdefender.net", "Bitdefender cloud scanning and update infrastructure"],
  ["avcdn.net", "Avast / AVG virus definition and program updates"],
]);
