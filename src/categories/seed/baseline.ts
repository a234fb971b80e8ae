/**
 * The baseline-blocked categories (p.15-2: VPN and other services that "bear threats and risks of
 * information security" are opened only on a signed application; malware and phishing are what the
 * analysis of p.20 looks for). Also the public test destinations security products use, so the block
 * path can be checked end to end without touching real malware.
 */
import { curated } from "./curated.js";

export const VPN = curated("vpn", "2026-11-26", [
  ["nordvpn.com", "NordVPN"],
  ["expressvpn.com", "ExpressVPN"],
  ["protonvpn.com", "Proton VPN"],
  ["vpn-api.proton.me", "Proton VPN client API"],
  ["surfshark.com", "Surfshark VPN"],
  ["privateinternetaccess.com", "Private Internet Access VPN"],
  ["cyberghostvpn.com", "CyberGhost VPN"],
  ["windscribe.com", "Windscribe VPN"],
  ["hide.me", "hide.me VPN"],
  ["hidemy.name", "hidemy.name VPN"],
  ["tunnelbear.com", "TunnelBear VPN"],
  ["mullvad.net", "Mullvad VPN"],
  ["ipvanish.com", "IPVanish VPN"],
  ["vyprvpn.com", "VyprVPN"],
  ["hotspotshield.com", "Hotspot Shield VPN"],
  ["purevpn.com", "PureVPN"],
  ["privadovpn.com", "PrivadoVPN"],
  ["ivpn.net", "IVPN VPN service"],
  ["airvpn.org", "AirVPN"],
  ["torguard.net", "TorGuard VPN"],
  ["hola.org", "Hola VPN"],
  ["veepn.com", "VeePN"],
  ["betternet.co", "Betternet VPN"],
  ["psiphon.ca", "Psiphon circumvention VPN"],
  ["lantern.io", "Lantern circumvention proxy"],
]);

export const REMOTE_ACCESS = curated("remote-access", "2026-11-26", [
  ["teamviewer.com", "TeamViewer remote control"],
  ["anydesk.com", "AnyDesk remote desktop"],
  ["rustdesk.com", "RustDesk remote desktop"],
  ["splashtop.com", "Splashtop remote access"],
  ["logmein.com", "LogMeIn remote access"],
  ["remotedesktop.google.com", "Chrome Remote Desktop"],
  ["ammyy.com", "Ammyy Admin remote control"],
  ["radmin.com", "Radmin remote control"],
  ["getscreen.me", "Getscreen.me remote desktop"],
  ["remoteutilities.com", "Remote Utilities"],
  ["aeroadmin.com", "AeroAdmin remote desktop"],
  ["litemanager.com", "LiteManager remote administration"],
  ["screenconnect.com", "ConnectWise ScreenConnect"],
  ["supremocontrol.com", "Supremo remote desktop"],
  ["dwservice.net", "DWService remote access"],
  ["ultraviewer.net", "UltraViewer remote desktop"],
  ["parsec.app", "Parsec remote desktop"],
  ["nomachine.com", "NoMachine remote desktop"],
  ["todesk.com", "ToDesk remote desktop"],
  ["realvnc.com", "RealVNC Connect"],
]);

export const DOH = curated("doh", "2026-11-26", [
  ["dns.google", "Google Public DNS over HTTPS"],
  ["cloudflare-dns.com", "Cloudflare DNS over HTTPS (incl. mozilla.cloudflare-dns.com, chrome.cloudflare-dns.com)"],
  ["one.one.one.one", "Cloudflare 1.1.1.1 resolver"],
  ["dns.quad9.net", "Quad9 DNS over HTTPS"],
  ["dns9.quad9.net", "Quad9 DNS over HTTPS"],
  ["dns10.quad9.net", "Quad9 DNS over HTTPS (unfiltered)"],
  ["dns11.quad9.net", "Quad9 DNS over HTTPS (ECS)"],
  ["doh.opendns.com", "OpenDNS DNS over HTTPS"],
  ["adguard-dns.com", "AdGuard DNS (dns., unfiltered., family.adguard-dns.com)"],
  ["dns.adguard.com", "AdGuard DNS (earlier host)"],
  ["dns.nextdns.io", "NextDNS"],
  ["doh.cleanbrowsing.org", "CleanBrowsing DNS over HTTPS"],
  ["doh.mullvad.net", "Mullvad DNS over HTTPS"],
  ["dns.controld.com", "Control D DNS over HTTPS"],
  ["doh.dns.sb", "DNS.SB DNS over HTTPS"],
  ["dns.alidns.com", "AliDNS DNS over HTTPS"],
  ["doh.pub", "DNSPod DNS over HTTPS"],
  ["common.dot.dns.yandex.net", "Yandex DNS over HTTPS"],
  ["1.1.1.1", "Cloudflare resolver address (DoH by IP)"],
  ["1.0.0.1", "Cloudflare resolver address (DoH by IP)"],
  ["8.8.8.8", "Google Public DNS address (DoH by IP)"],
  ["8.8.4.4", "Google Public DNS address (DoH by IP)"],
  ["9.9.9.9", "Quad9 resolver address (DoH by IP)"],
  ["149.112.112.112", "Quad9 resolver address (DoH by IP)"],
  ["208.67.222.222", "OpenDNS resolver address (DoH by IP)"],
  ["208.67.220.220", "OpenDNS resolver address (DoH by IP)"],
  ["94.140.14.14", "AdGuard DNS resolver address (DoH by IP)"],
  ["94.140.15.15", "AdGuard DNS resolver address (DoH by IP)"],
  ["2606:4700:4700::1111", "Cloudflare resolver address (DoH by IP)"],
  ["2606:4700:4700::1001", "Cloudflare resolver address (DoH by IP)"],
  ["2001:4860:4860::8888", "Google Public DNS address (DoH by IP)"],
  ["2001:4860:4860::8844", "Google Public DNS address (DoH by IP)"],
  ["2620:fe::fe", "Quad9 resolver address (DoH by IP)"],
]);

export const PROXY_ANONYMIZER = curated("proxy-anonymizer", "2026-11-26", [
  ["torproject.org", "Tor Project: Tor Browser downloads and bridge distribution"],
  ["kproxy.com", "KProxy web proxy"],
  ["hidester.com", "Hidester web proxy"],
  ["proxysite.com", "ProxySite web proxy"],
  ["croxyproxy.com", "CroxyProxy web proxy"],
]);

export const MALWARE_TESTS = curated("malware", "2026-11-26", [
  ["malware.wicar.org", "WICAR browser exploit test site (harmless test content)"],
  ["ianfette.org", "Google Safe Browsing historical malware test site"],
  ["malware.testing.google.test", "Google Safe Browsing test name in the reserved .test zone"],
  ["testsafebrowsing.appspot.com/s/malware.html", "Google Safe Browsing malware test page"],
  ["secure.eicar.org/eicar.com", "EICAR anti-malware test file"],
  ["secure.eicar.org/eicar.com.txt", "EICAR anti-malware test file (text)"],
  ["secure.eicar.org/eicar_com.zip", "EICAR anti-malware test file (zip)"],
  ["secure.eicar.org/eicarcom2.zip", "EICAR anti-malware test file (nested zip)"],
]);

export const PHISHING_TESTS = curated("phishing", "2026-11-26", [
  ["testsafebrowsing.appspot.com/s/phishing.html", "Google Safe Browsing phishing test page"],
  ["amtso.org/check-desktop-phishing-page", "AMTSO feature settings check: phishing page"],
]);
