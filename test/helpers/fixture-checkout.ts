import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** The example repositories under test/fixtures/repos. */
export const FIXTURE_REPOS = path.join(import.meta.dirname, "..", "fixtures", "repos");

/** A copy of a fixture repository in a fresh temporary folder, with some files replaced. */
export function repoWith(name: string, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-repo-"));
  cpSync(path.join(FIXTURE_REPOS, name), dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}
