// The addon is optional: where it did not build (not Linux, no compiler), the gateway falls back to reading
// /proc/net/nf_conntrack and to one listening socket shared by its workers, and says so.
let binding = null;
let loadError = null;
try {
  binding = require("./build/Release/sockets.node");
} catch (e) {
  loadError = e;
}
module.exports = { binding, loadError };
