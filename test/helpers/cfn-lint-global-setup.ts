import { fork } from "node:child_process";
import path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where `cfn-lint-server.ts` listens for the run's lint requests. */
    cfnLintUrl: string;
  }
}

/** Starts the run's one cfn-lint server (see cfn-lint-server.ts) and stops it after the run. */
export default async function setup(project: TestProject): Promise<() => void> {
  const child = fork(path.join(import.meta.dirname, "cfn-lint-server.ts"), [], { execArgv: ["--import", "tsx"] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (message: { url: string }) => resolve(message.url));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the cfn-lint server exited with ${code} before listening`)));
  });
  project.provide("cfnLintUrl", url);
  return () => {
    child.kill();
  };
}
