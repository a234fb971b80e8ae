/**
 * Root certificate distribution (Rules p.21: STS hands the root to telecom operators; p.22: operators pass it
 * to organisations; p.23: organisations install it on workstations). Pure functions from the root's DER to
 * downloadable files `{ filename, contentType, body }`; nothing here touches the key.
 *
 * Every installer states the SHA-256 fingerprint, and the scripts check the fingerprint (Windows: the SHA-1
 * thumbprint Windows displays) so that a file swapped on the way fails loudly instead of installing a
 * stranger's root.
 */
import { createHash } from "node:crypto";
import { fingerprint, formatName, parseCertificate, toPem } from "./x509.js";

export interface BundleFile {
  readonly filename: string;
  readonly contentType: string;
  readonly body: string | Buffer;
  /** Where the file goes on the target system, when that is fixed. */
  readonly installPath?: string;
}

export interface RootExport {
  readonly pem: string;
  readonly der: Buffer;
  /** Colon-separated upper-case hex, as browsers and `openssl x509 -fingerprint` show it. */
  readonly sha256: string;
  readonly sha1: string;
  /** First 8 hex digits of the SHA-256 fingerprint, lower case: names the files. */
  readonly fp8: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export function describeRoot(der: Buffer): RootExport {
  const cert = parseCertificate(der);
  const sha256 = fingerprint(der, "sha256");
  return {
    pem: toPem(der),
    der,
    sha256,
    sha1: fingerprint(der, "sha1"),
    fp8: sha256.replaceAll(":", "").slice(0, 8).toLowerCase(),
    subject: formatName(cert.subject),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

const base = (r: RootExport): string => `qaqpa-${r.fp8}`;

export function pemFile(der: Buffer): BundleFile {
  const r = describeRoot(der);
  return { filename: `${base(r)}.pem`, contentType: "application/x-pem-file", body: r.pem };
}

export function derFile(der: Buffer): BundleFile {
  const r = describeRoot(der);
  return { filename: `${base(r)}.der`, contentType: "application/pkix-cert", body: der };
}

/** Fingerprints as a small text file for the out-of-band check operators read over the phone. */
export function fingerprintsFile(der: Buffer): BundleFile {
  const r = describeRoot(der);
  const body = [`subject:    ${r.subject}`, `not before: ${r.notBefore.toISOString()}`, `not after:  ${r.notAfter.toISOString()}`, `SHA-256:    ${r.sha256}`, `SHA-1:      ${r.sha1}`, ""].join("\n");
  return { filename: `${base(r)}.fingerprints.txt`, contentType: "text/plain; charset=utf-8", body };
}

// --------------------------------------------------------------------------------------------- Windows

/** DER `.cer`: double-click opens the Windows certificate dialog; `Import-Certificate` takes it as is. */
export function windowsCer(der: Buffer): BundleFile {
  const r = describeRoot(der);
  return { filename: `${base(r)}.cer`, contentType: "application/pkix-cert", body: der };
}

/** PowerShell installer for Cert:\LocalMachine\Root (run elevated; domains use Group Policy instead). */
export function windowsPowerShell(der: Buffer): BundleFile {
  const r = describeRoot(der);
  const thumb = r.sha1.replaceAll(":", "");
  const lines = [
    "# Installs the qaqpa UGIA root certificate (Rules p.23) into the local machine's Trusted Root store.",
    `# Subject: ${r.subject}`,
    `# SHA-256: ${r.sha256}`,
    `# Run in an elevated PowerShell next to ${base(r)}.cer.`,
    "$ErrorActionPreference = 'Stop'",
    `$path = Join-Path $PSScriptRoot '${base(r)}.cer'`,
    `$expected = '${thumb}'`,
    "$cert = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2 $path",
    'if ($cert.Thumbprint -ne $expected) { throw "Unexpected certificate (thumbprint $($cert.Thumbprint)); not installed" }',
    "Import-Certificate -FilePath $path -CertStoreLocation Cert:\\LocalMachine\\Root | Out-Null",
    'Write-Output "Installed $($cert.Subject) ($expected)"',
    "",
  ];
  return { filename: `install-${base(r)}.ps1`, contentType: "text/plain; charset=utf-8", body: lines.join("\r\n") };
}

// ------------------------------------------------------------------------------------- macOS / iOS

const PROFILE_NAMESPACE = Buffer.from("6f1d3a0c9b8e4f25a7d2c4e1b3f50a97", "hex");

/**
 * Name-based UUID (RFC 9562 §5.5, version 5: SHA-1 over namespace ‖ name) so the same root always yields the
 * same PayloadUUIDs: re-downloading the profile replaces the installed one instead of adding a second.
 */
export function uuidV5(name: string, namespace: Buffer = PROFILE_NAMESPACE): string {
  const h = createHash("sha1").update(namespace).update(name, "utf8").digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString("hex").toUpperCase();
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const xml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export interface MobileconfigOptions {
  /** Reverse-DNS prefix of PayloadIdentifier. Default `kz.qaqpa.root`. */
  readonly identifierPrefix?: string;
  /** Shown as the profile's organisation. Default `qaqpa`. */
  readonly organisation?: string;
}

/**
 * Configuration profile with one `com.apple.security.root` payload (Apple Device Management, "Certificate
 * Root"). On iOS/iPadOS the user must also enable full trust under Settings › General › About › Certificate
 * Trust Settings; an MDM-installed profile is trusted at once.
 */
export function macosMobileconfig(der: Buffer, opts: MobileconfigOptions = {}): BundleFile {
  const r = describeRoot(der);
  const prefix = opts.identifierPrefix ?? "kz.qaqpa.root";
  const org = opts.organisation ?? "qaqpa";
  const hex = r.sha256.replaceAll(":", "").toLowerCase();
  const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n\t\t\t");
  const body = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>PayloadContent</key>
	<array>
		<dict>
			<key>PayloadCertificateFileName</key>
			<string>${base(r)}.cer</string>
			<key>PayloadContent</key>
			<data>
			${b64}
			</data>
			<key>PayloadDescription</key>
			<string>Adds the UGIA root certificate (SHA-256 ${r.sha256})</string>
			<key>PayloadDisplayName</key>
			<string>${xml(r.subject)}</string>
			<key>PayloadIdentifier</key>
			<string>${xml(prefix)}.${r.fp8}.certificate</string>
			<key>PayloadType</key>
			<string>com.apple.security.root</string>
			<key>PayloadUUID</key>
			<string>${uuidV5(`payload:${hex}`)}</string>
			<key>PayloadVersion</key>
			<integer>1</integer>
		</dict>
	</array>
	<key>PayloadDescription</key>
	<string>Installs the UGIA root certificate required by the unified gateway to Internet access (Rules p.23).</string>
	<key>PayloadDisplayName</key>
	<string>UGIA root certificate ${r.fp8}</string>
	<key>PayloadIdentifier</key>
	<string>${xml(prefix)}.${r.fp8}</string>
	<key>PayloadOrganization</key>
	<string>${xml(org)}</string>
	<key>PayloadRemovalDisallowed</key>
	<false/>
	<key>PayloadType</key>
	<string>Configuration</string>
	<key>PayloadUUID</key>
	<string>${uuidV5(`profile:${hex}`)}</string>
	<key>PayloadVersion</key>
	<integer>1</integer>
</dict>
</plist>
`;
  return { filename: `${base(r)}.mobileconfig`, contentType: "application/x-apple-aspen-config", body };
}

// --------------------------------------------------------------------------------------------- Firefox

/**
 * Firefox enterprise policy (`policies.json` in the installation's `distribution/` folder). `Install` names the
 * certificate file, which Firefox looks up in its default certificate folders (e.g. /usr/lib/mozilla/
 * certificates, %APPDATA%\Mozilla\Certificates); `ImportEnterpriseRoots` also trusts roots already in the OS
 * store on Windows and macOS.
 */
export function firefoxPolicies(der: Buffer): BundleFile {
  const r = describeRoot(der);
  const body = JSON.stringify({ policies: { Certificates: { ImportEnterpriseRoots: true, Install: [`${base(r)}.crt`] } } }, null, 2) + "\n";
  return { filename: "policies.json", contentType: "application/json", body };
}

/** The certificate file `policies.json` names (PEM; Firefox reads PEM or DER). */
export function firefoxCertificate(der: Buffer): BundleFile {
  const r = describeRoot(der);
  return { filename: `${base(r)}.crt`, contentType: "application/x-pem-file", body: r.pem };
}

// ------------------------------------------------------------------------------------------------ Linux

const shQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

function linuxInstaller(r: RootExport, dir: string, refresh: string, distro: string): string {
  const target = `${dir}/${base(r)}.crt`;
  return `#!/bin/sh
# Installs the qaqpa UGIA root certificate (Rules p.23) into the ${distro} system trust store.
# Subject: ${r.subject}
# SHA-256: ${r.sha256}
set -eu
target=${shQuote(target)}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat >"$tmp" <<'QAQPA_ROOT'
${r.pem}QAQPA_ROOT
if command -v openssl >/dev/null 2>&1; then
  fp=$(openssl x509 -in "$tmp" -noout -fingerprint -sha256 | cut -d= -f2)
  [ "$fp" = ${shQuote(r.sha256)} ] || { echo "unexpected certificate ($fp); not installed" >&2; exit 1; }
fi
install -D -m 0644 "$tmp" "$target"
${refresh}
echo "installed $target"
`;
}

/** Debian/Ubuntu: a PEM `.crt` under /usr/local/share/ca-certificates, then `update-ca-certificates`. */
export function debianAnchor(der: Buffer): BundleFile {
  const r = describeRoot(der);
  const installPath = `/usr/local/share/ca-certificates/${base(r)}.crt`;
  return { filename: `${base(r)}.crt`, contentType: "application/x-pem-file", body: r.pem, installPath };
}

export function debianInstallScript(der: Buffer): BundleFile {
  const r = describeRoot(der);
  return {
    filename: `install-${base(r)}-debian.sh`,
    contentType: "text/x-shellscript; charset=utf-8",
    body: linuxInstaller(r, "/usr/local/share/ca-certificates", "update-ca-certificates", "Debian/Ubuntu"),
  };
}

/** RHEL/Fedora/Alma/Rocky: /etc/pki/ca-trust/source/anchors, then `update-ca-trust extract`. */
export function rhelAnchor(der: Buffer): BundleFile {
  const r = describeRoot(der);
  const installPath = `/etc/pki/ca-trust/source/anchors/${base(r)}.crt`;
  return { filename: `${base(r)}.crt`, contentType: "application/x-pem-file", body: r.pem, installPath };
}

export function rhelInstallScript(der: Buffer): BundleFile {
  const r = describeRoot(der);
  return {
    filename: `install-${base(r)}-rhel.sh`,
    contentType: "text/x-shellscript; charset=utf-8",
    body: linuxInstaller(r, "/etc/pki/ca-trust/source/anchors", "update-ca-trust extract", "RHEL"),
  };
}

/** Every bundle of one root, grouped by target platform. */
export function allBundles(der: Buffer, opts: MobileconfigOptions = {}): Record<"common" | "windows" | "macos" | "firefox" | "debian" | "rhel", BundleFile[]> {
  return {
    common: [pemFile(der), derFile(der), fingerprintsFile(der)],
    windows: [windowsCer(der), windowsPowerShell(der)],
    macos: [macosMobileconfig(der, opts)],
    firefox: [firefoxPolicies(der), firefoxCertificate(der)],
    debian: [debianAnchor(der), debianInstallScript(der)],
    rhel: [rhelAnchor(der), rhelInstallScript(der)],
  };
}
