import { stat } from "node:fs/promises";
import path from "node:path";
import { loadRepoConfigSource } from "../config/load-repo-config.js";
import { InputError, formatDiagnostic } from "../errors.js";
import { CONFIG_FILE, formatWarning, planWithConfig } from "../plan/plan-preview.js";
import { createDirReader } from "../util/repo-reader.js";
import { readCheckout } from "./git-checkout.js";
import { parseCommandLine, UsageError, type CliIo } from "./options.js";

export const VALIDATE_USAGE = `usage: berth validate [DIR]

Checks DIR's (default .) .github/preview.yml and compose files as a deploy would, without AWS or
GitHub: what a pre-commit hook or a CI step runs. Problems and warnings are printed on stderr as
FILE:LINE: message lines.

Exit 0 valid (warnings allowed), 1 a problem to fix, 2 bad usage.`;

/** Stands in for the pull request when DIR says nothing: only names and host-name lengths depend on it. */
const PLACEHOLDER = { owner: "owner", repo: "repository", pr: 1, sha: "0".repeat(40) };

/** `berth validate`: 0 valid, 1 a problem in the repository's files, 2 bad usage. */
export async function validateCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(args, {}, true);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return usage(io, error.message);
  }
  if (parsed.values.help) {
    io.stdout(`${VALIDATE_USAGE}\n`);
    return 0;
  }
  if (parsed.positionals.length > 1) return usage(io, `expected at most one DIR, got ${parsed.positionals.length}`);
  const dir = path.resolve(parsed.positionals[0] ?? ".");
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) return usage(io, `${parsed.positionals[0] ?? "."}: no such directory`);

  const reader = createDirReader(dir);
  try {
    const source = await loadRepoConfigSource(reader);
    if (!source) {
      io.stderr(`${formatDiagnostic({ file: CONFIG_FILE, path: "", message: "not found: previews are off for this repository (add .github/preview.yml)" })}\n`);
      return 1;
    }
    const checkout = await readCheckout(dir);
    const [owner, repo] = checkout.repo?.split("/") ?? [PLACEHOLDER.owner, PLACEHOLDER.repo];
    const plan = await planWithConfig({
      reader,
      config: source.config,
      configLineOf: source.lineOf,
      configFile: source.file,
      target: { ...PLACEHOLDER, owner: owner!, repo: repo!, ...(checkout.sha ? { sha: checkout.sha } : {}), ...(checkout.branch ? { branch: checkout.branch } : {}) },
      baseStack: "berth-base",
    });
    const warnings = plan.stack.warnings.map(formatWarning);
    for (const warning of warnings) io.stderr(`${warning}\n`);
    const files = [source.file, ...plan.project.files].join(", ");
    io.stdout(`valid: ${files}${warnings.length === 0 ? "" : ` (${warnings.length} warning${warnings.length === 1 ? "" : "s"})`}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.stderr(`${error.diagnostics.map(formatDiagnostic).join("\n")}\n`);
    return 1;
  }
}

function usage(io: CliIo, problem: string): number {
  io.stderr(`berth validate: ${problem}\n${VALIDATE_USAGE}\n`);
  return 2;
}
