/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

// `npm run dev` answers the console on :5173 and passes /api on to a running gateway
// (KEFU_GATEWAY_URL, default the `kefu up` gateway on :8080).
const gateway = process.env.KEFU_GATEWAY_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  resolve: {
    // Ant Design's components import a ResizeObserver polyfill no current browser needs.
    alias: { "resize-observer-polyfill": fileURLToPath(new URL("src/shared/resizeObserver.ts", import.meta.url)) },
  },
  server: { proxy: { "/api": { target: gateway, changeOrigin: true } } },
  build: {
    outDir: "dist",
    target: "es2022",
    minify: "terser",
    terserOptions: { compress: { passes: 2 }, format: { comments: false } },
    emptyOutDir: true,
    manifest: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        // Libraries change less often than screens: their own chunks stay cached.
        manualChunks: {
          react: ["react", "react-dom", "react-router-dom"],
          query: ["@tanstack/react-query", "openapi-fetch"],
        },
      },
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["tests/setup.ts"],
    // Ant Design's first render in jsdom is slow on a shared two-core machine.
    testTimeout: 30_000,
    // A worker per core: Vitest 3 leaves one core out in a run, half of a two-core machine.
    maxWorkers: "100%",
    minWorkers: 1,
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"],
  },
});
