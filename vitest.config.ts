import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    // The first cfn-lint call in a worker compiles the official rules (WASM): 10-20 s on a busy
    // 2-core machine, which a 20 s limit turned into failures that said nothing about the code.
    testTimeout: 60_000,
    pool: "threads",
  },
});
