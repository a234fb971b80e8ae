/**
 * The portal build. `npm run portal:dev` serves it with hot reload and proxies /api to a running control
 * plane (QAQPA_API, default http://127.0.0.1:8080), so the session cookie stays same-origin.
 * `scripts/build-portal.mjs` builds portal/dist, which the control plane serves at `/`.
 */
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const portal = fileURLToPath(new URL(".", import.meta.url));
const repo = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root: portal,
  base: "/",
  plugins: [react()],
  // The portal imports a few pure modules from src/domain (permission table, organisation classes, BIN check).
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: true,
    fs: { allow: [repo] },
    proxy: { "/api": { target: process.env.QAQPA_API ?? "http://127.0.0.1:8080" } },
  },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: true, chunkSizeWarningLimit: 800 },
});
