import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

/**
 * GitHub's workflow parser ships source maps that name sources it does not ship: inlined (below),
 * each of its files would print "Sourcemap ... points to missing source files" on every run. Its
 * files are loaded here without their source-map comment.
 */
const workflowParserWithoutSourceMaps = {
  name: "workflow-parser-without-source-maps",
  load(id: string) {
    if (!id.includes("/@actions/workflow-parser/dist/") || !id.endsWith(".js")) return null;
    return { code: readFileSync(id, "utf8").replace(/^\/\/# sourceMappingURL=.*$/m, ""), map: null };
  },
};

export default defineConfig({
  plugins: [workflowParserWithoutSourceMaps],
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    // One cfn-lint engine serves the whole run (test/helpers/cfn-lint-server.ts).
    globalSetup: ["test/helpers/cfn-lint-global-setup.ts"],
    // The run's first cfn-lint call waits while the engine loads the official rules (WASM): 10-20 s
    // on a busy 2-core machine, which a 20 s limit turned into failures that said nothing about the code.
    testTimeout: 60_000,
    pool: "threads",
    // Test files share one module cache instead of each loading aws-cdk-lib, Probot and the AWS
    // SDK afresh: 2.5-3 s a file, most of the suite's time. No file relies on fresh module state;
    // those that change globals (timers, Date.now, process.env) restore them in afterEach/afterAll.
    isolate: false,
    // GitHub's workflow parser imports its JSON schema without the `type: "json"` attribute Node
    // asks for; Vite transforms it when the package is inlined rather than loaded by Node.
    server: { deps: { inline: ["@actions/workflow-parser"] } },
  },
});
