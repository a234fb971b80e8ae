/**
 * A gateway process started the way systemd starts it under socket activation: its transparent HTTP listener is
 * the descriptor it inherits (see socket-activation.test.ts, which spawns it). Prints "ready" when listening.
 */
import { startTestGateway } from "./world.js";
import { TransparentListeners } from "../../src/gateway/transparent.js";
import { localAddress } from "../../src/gateway/original-destination.js";
import { inheritedSockets, TRANSPARENT_HTTP_SOCKET } from "../../src/gateway/socket-activation.js";

const t = await startTestGateway({ names: ["origin.example"], hosts: { "shop.example": ["127.0.0.1", "127.0.0.9"], "search.example": ["127.0.0.1"] } });
const listeners = new TransparentListeners({ gateway: t.gateway, originalDestination: localAddress, hasAddressEntry: () => false });
const fds = inheritedSockets().get(TRANSPARENT_HTTP_SOCKET);
if (fds === undefined) {
  process.stdout.write("no inherited socket\n");
  process.exit(2);
}
await listeners.listenHttp({ fds });
process.stdout.write("ready\n");
process.once("SIGTERM", () => {
  void listeners
    .close()
    .then(() => t.close())
    .finally(() => process.exit(0));
});
