import { loadCompose } from "../../src/compose/load-compose.js";
import type { ComposeProject } from "../../src/compose/model.js";
import { createMemoryReader } from "../../src/util/repo-reader.js";

/** A compose.yaml whose `web` service has `image: app` and the given lines under it; `rest` follows. */
export function webService(lines: string, rest = ""): string {
  return `services:\n  web:\n    image: app\n${lines}${rest}`;
}

/** Loads `compose.yaml` (plus any other files) from memory. */
export function loadText(compose: string, files: Record<string, string> = {}): Promise<ComposeProject> {
  return loadCompose(createMemoryReader({ "compose.yaml": compose, ...files }));
}

/** Warnings as `code line message`, the way a reviewer reads them. */
export function warningLines(project: ComposeProject): string[] {
  return project.warnings.map((w) => `${w.code} ${w.file}:${w.line}: ${w.message}`);
}
