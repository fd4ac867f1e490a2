import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    exclude: ["test/e2e/ui/**", "node_modules/**"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    // The tokenizer and PGlite are heavy to load; two workers keep a 2-core machine responsive.
    maxWorkers: 2,
  },
});
