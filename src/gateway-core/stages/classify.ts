/**
 * classify: what protocol the flow speaks. Only HTTP and TLS are web traffic; SSH and RDP are remote access,
 * OpenVPN is a VPN, SOCKS is a proxy, BitTorrent is P2P, anything else is an unknown program — blocked by
 * default (p.15-2: such services are opened only by an approved, signed exception).
 */
import type { Stage } from "../stage.js";
import type { Reason } from "../flow.js";
import type { FlowProtocol } from "../parse/first-bytes.js";
import { exceptionFor } from "./exceptions.js";

const BLOCKED: Partial<Record<FlowProtocol, Reason>> = {
  ssh: "remote-access-protocol",
  rdp: "remote-access-protocol",
  openvpn: "vpn-protocol",
  socks4: "proxy-protocol",
  socks5: "proxy-protocol",
  bittorrent: "p2p-protocol",
  unknown: "unknown-protocol",
};

export const classify = {
  name: "classify",
  run(state, _snap, now) {
    // Before the tunnel carries a byte (CONNECT) there is nothing to classify yet.
    if (state.facts.phase === "connect") return undefined;
    const p = state.facts.protocol;
    const reason = BLOCKED[p];
    if (!reason) {
      state.trace.push({ stage: "classify", outcome: p });
      return undefined;
    }
    const ex = exceptionFor(state, now, (e) => e.protocols.includes(p));
    if (ex) {
      state.trace.push({ stage: "classify", outcome: `${p}-by-exception`, rule: `exception ${ex.id}` });
      return { action: "allow", reason: "exception", tls: null, rule: `exception ${ex.id} allows ${p}` };
    }
    state.trace.push({ stage: "classify", outcome: p, rule: "baseline" });
    return { action: "block", reason, rule: `${p} is blocked by the baseline policy` };
  },
} satisfies Stage;
