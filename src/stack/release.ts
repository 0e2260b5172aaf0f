import { missingServiceProblem, type ComposeProject, type ComposeService } from "../compose/model.js";
import type { ConfigCommand, RepoConfig } from "../config/schema.js";
import { InputError, type Diagnostic } from "../errors.js";
import { configDiagnostic, type ConfigLineOf } from "./diagnostics.js";
import { ShellWordsError, splitShellWords } from "../util/shell-words.js";

/**
 * One release step, run as a one-off task before the new version takes traffic: a one-shot compose
 * service (`init:<service>`, in its own task definition, with its own command), or `migrate` and
 * `seed` from `.github/preview.yml` (in the release task definition, with this command).
 */
export type ReleaseStep = ConfigReleaseStep | OneShotStep;

/** `release.migrate` or `release.seed`: the release service's image with this command. */
export interface ConfigReleaseStep {
  name: "migrate" | "seed";
  command: string[];
}

/** A one-shot compose service: runs once, as the compose file says, and must exit 0. */
export interface OneShotStep {
  name: `init:${string}`;
  /** The compose service; its task definition is the template's, family `berth-<label>-<service>`. */
  service: string;
  /** Its `command:`, when the compose file gives one (else the image's). For people: the task definition holds it. */
  command?: string[];
  /** How many times it runs again after a non-zero exit (`restart: on-failure`); absent: once. */
  retries?: number;
}

/** Whether a step is a one-shot compose service. */
export function isOneShotStep(step: ReleaseStep): step is OneShotStep {
  return "service" in step;
}

/**
 * The one-shot services as release steps, in the order they must run: a one-shot service after
 * the one-shot services it depends on, otherwise in the compose file's order. Dependencies on
 * long-running services are met by the release phase, which starts the data services first.
 */
export function oneShotSteps(project: ComposeProject): OneShotStep[] {
  const oneShots = new Map(project.services.filter((s) => s.oneShot).map((s) => [s.name, s]));
  const ordered: OneShotStep[] = [];
  const placed = new Set<string>();
  const place = (service: ComposeService): void => {
    if (placed.has(service.name)) return;
    placed.add(service.name);
    // depends_on cycles are refused when the compose file is read.
    for (const dependency of service.dependsOn) {
      const before = oneShots.get(dependency.service);
      if (before) place(before);
    }
    ordered.push({
      name: `init:${service.name}`,
      service: service.name,
      ...(service.command ? { command: service.command } : {}),
      ...(service.retries ? { retries: service.retries } : {}),
    });
  };
  for (const service of oneShots.values()) place(service);
  return ordered;
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
    throw new InputError([configDiagnostic(["release", "service"], missingServiceProblem(project, wanted), lineOf)]);
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
 * The config's release steps in the order they run, `migrate` then `seed`, for those it sets.
 * A string command is split into words as compose splits `command:` (no shell, no expansion).
 * Throws InputError for a string that cannot be split, or holds a shell operator like `&&`.
 */
export function releaseSteps(config: RepoConfig, lineOf?: ConfigLineOf): ConfigReleaseStep[] {
  const steps: ConfigReleaseStep[] = [];
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
