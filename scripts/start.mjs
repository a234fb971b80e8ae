// npm start: install dependencies if missing, build, then start the all-in-one on the embedded store.
import { existsSync, statSync, readdirSync } from "node:fs";
import { spawnSync, spawn } from "node:child_process";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (!existsSync(join(root, "node_modules", ".package-lock.json"))) {
  console.log("qaqpa: installing dependencies (npm ci)…");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}

// The socket addon (SO_ORIGINAL_DST for transparent REDIRECT listeners, SO_REUSEPORT for the workers' listening
// sockets); optional, so a failed build only warns.
if (process.platform === "linux" && !existsSync(join(root, "native", "sockets", "build", "Release", "sockets.node"))) {
  const r = spawnSync("npm", ["run", "--silent", "build:native"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) console.warn("qaqpa: the socket addon did not build; transparent REDIRECT listeners will read /proc/net/nf_conntrack and workers will share one listening socket");
}

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const stamp = join(root, "dist", "cli", "main.js");
if (!existsSync(stamp) || statSync(stamp).mtimeMs < newest(join(root, "src"))) {
  console.log("qaqpa: building…");
  run("npx", ["--no-install", "tsc", "-p", "tsconfig.build.json"]);
}
if (existsSync(join(root, "portal", "package.json")) && existsSync(join(root, "scripts", "build-portal.mjs"))) {
  run(process.execPath, [join(root, "scripts", "build-portal.mjs")]);
}

const child = spawn(process.execPath, [join(root, "bin", "qaqpa.mjs"), "start", ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, sig) => process.exit(code ?? (sig ? 1 : 0)));
