/** p.20(5) "video conferencing services": signalling, web clients and media relays. */
import { curated } from "./curated.js";

export const VIDEO_CONFERENCING = curated("video-conferencing", "2026-11-26", [
  ["zoom.us", "Zoom meetings: web client, signalling and media"],
  ["zoom.com", "Zoom meetings"],
  ["zoomgov.com", "Zoom for Government"],
  ["teams.microsoft.com", "Microsoft Teams (work and school)"],
  ["teams.cloud.microsoft", "Microsoft Teams (new client domain)"],
  ["teams.live.com", "Microsoft Teams (personal)"],
  ["skype.com", "Skype calls and meetings"],
  ["meet.google.com", "Google Meet"],
  ["webex.com", "Cisco Webex meetings"],
  ["wbx2.com", "Cisco Webex service infrastructure"],
  ["telemost.yandex.ru", "Yandex Telemost video meetings"],
  ["meet.jit.si", "Jitsi Meet public service"],
  ["8x8.vc", "Jitsi as a Service (8x8) video meetings"],
  ["trueconf.com", "TrueConf video conferencing"],
  ["trueconf.ru", "TrueConf video conferencing"],
  ["whereby.com", "Whereby video meetings"],
  ["gotomeeting.com", "GoTo Meeting"],
]);
