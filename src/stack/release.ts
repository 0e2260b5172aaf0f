import type { ComposeProject, ComposeService } from "../compose/model.js";
import type { ConfigCommand, RepoConfig } from "../config/schema.js";
import { InputError, type Diagnostic } from "../errors.js";
import { configDiagnostic, type ConfigLineOf } from "./diagnostics.js";
import { ShellWordsError, splitShellWords } from "../util/shell-words.js";

/** One release step, run as a one-off task with this command before the new version takes traffic. */
export interface ReleaseStep {
  name: "migrate" | "seed";
  command: string[];
}

/**
 * The compose service the release steps run as: `release.service` of the config, else the public
 * service when it is built from the repository, else the only service with `build:`, else (nothing
 * is built) the public service. Throws InputError when `release.service` names no compose service,
 * or when release steps are set and several services are built, none of them public: guessing would
 * run `migrate` in an image that cannot.
 */
export function selectReleaseService(
  project: ComposeProject,
  config: RepoConfig,
  publicService: ComposeService,
  lineOf?: ConfigLineOf,
): ComposeService {
  const wanted = config.release.service;
  if (wanted !== undefined) {
    const named = project.services.find((s) => s.name === wanted);
    if (named) return named;
    const names = project.services.map((s) => s.name).join(", ");
    throw new InputError([configDiagnostic(["release", "service"], `no compose service named "${wanted}"; services: ${names}`, lineOf)]);
  }
  if (publicService.build) return publicService;
  // A service that runs another's build (`buildOf`) is the same image, not another choice.
  const built = project.services.filter((s) => s.build && s.buildOf === undefined);
  if (built.length === 1) return built[0]!;
  const hasSteps = config.release.migrate !== undefined || config.release.seed !== undefined;
  if (built.length > 1 && hasSteps) {
    const names = built.map((s) => s.name).join(", ");
    throw new InputError([
      configDiagnostic(
        ["release"],
        `several services are built from the repository (${names}) and "${publicService.name}" is not one of them; set release.service to the one whose image runs migrate and seed`,
        lineOf,
      ),
    ]);
  }
  return publicService;
}

/**
 * The release steps in the order they run, `migrate` then `seed`, for those the config sets.
 * A string command is split into words as compose splits `command:` (no shell, no expansion).
 * Throws InputError for a string that cannot be split, or holds a shell operator like `&&`.
 */
export function releaseSteps(config: RepoConfig, lineOf?: ConfigLineOf): ReleaseStep[] {
  const steps: ReleaseStep[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const name of ["migrate", "seed"] as const) {
    const command = config.release[name];
    if (command === undefined) continue;
    try {
      const words = toWords(command);
      if (words.length === 0) diagnostics.push(configDiagnostic(["release", name], "the command is empty", lineOf));
      else steps.push({ name, command: words });
    } catch (error) {
      if (!(error instanceof ShellWordsError)) throw error;
      diagnostics.push(configDiagnostic(["release", name], error.message, lineOf));
    }
  }
  if (diagnostics.length > 0) throw new InputError(diagnostics);
  return steps;
}

function toWords(command: ConfigCommand): string[] {
  return typeof command === "string" ? splitShellWords(command) : command;
}
