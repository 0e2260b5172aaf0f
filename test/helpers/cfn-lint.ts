import { inject } from "vitest";
import type { LintRequest } from "./cfn-lint-server.js";

/**
 * Runs the official cfn-lint rules (WASM) over a template and returns the findings at ERROR
 * or above, formatted `RULE resource.path: message` so a failing assertion says what is wrong.
 * The run's one engine lives in `cfn-lint-server.ts`; the first call of a run waits while it
 * loads the rules (13-20 s on a busy 2-core machine).
 */
export async function lintTemplate(template: object | string, name = "template"): Promise<string[]> {
  const body: LintRequest = { template, name };
  const res = await fetch(inject("cfnLintUrl"), { method: "POST", body: JSON.stringify(body) }).catch((cause: unknown) => {
    throw new Error("the run's cfn-lint server (test/helpers/cfn-lint-server.ts) does not answer: did it exit? (it writes its errors to the run's stderr)", { cause });
  });
  if (!res.ok) throw new Error(`cfn-lint server: ${res.status} ${await res.text()}`);
  return (await res.json()) as string[];
}
