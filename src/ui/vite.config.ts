import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/** The dashboard: built to dist/ui and served by the gateway at /ui (hashed files under /ui/assets/). */
export default defineConfig({
  root,
  base: "/ui/",
  plugins: [react()],
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../../dist/ui", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npx vite src/ui` for UI work: API calls go to a gateway on :4000.
    proxy: { "/graphql": { target: "http://127.0.0.1:4000", ws: true } },
  },
});
