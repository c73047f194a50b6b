import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The app lives in src/web; the build goes to dist/web, which the portal's server serves. The
// service worker (src/sw) is a second entry written to /sw.js (unhashed: its URL is its identity,
// and the server sends it with no-cache), so it controls the whole origin.
export default defineConfig({
  root: fileURLToPath(new URL("./src/web", import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("./dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    reportCompressedSize: false,
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL("./src/web/index.html", import.meta.url)),
        sw: fileURLToPath(new URL("./src/sw/sw.ts", import.meta.url)),
      },
      output: { entryFileNames: (chunk) => (chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js") },
    },
  },
  server: { proxy: { "/trpc": "http://127.0.0.1:4000", "/files": "http://127.0.0.1:4000" } },
});
