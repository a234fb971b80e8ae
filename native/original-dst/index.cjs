// The addon is optional: where it did not build (not Linux, no compiler), the gateway falls back to reading
// /proc/net/nf_conntrack and says so.
let binding = null;
let loadError = null;
try {
  binding = require("./build/Release/original_dst.node");
} catch (e) {
  loadError = e;
}
module.exports = { binding, loadError };
