import type { ComposeProject } from "../compose/model.js";
import { loadCompose } from "../compose/load-compose.js";
import { loadRepoConfigSource } from "../config/load-repo-config.js";
import type { ReleaseGate } from "../stack/release-gate.js";
import { deployTimeVariable, previewValues, previewVariables } from "../config/preview-placeholders.js";
import { ImageReferenceError, resolveImage } from "../config/resolve-image.js";
import type { RepoConfig } from "../config/schema.js";
import { InputError, formatDiagnostic, type Diagnostic, type Warning } from "../errors.js";
import { buildTemplate, type PreviewStack } from "../stack/build-template.js";
import { CONFIG_FILE, type ConfigLineOf } from "../stack/diagnostics.js";
import type { RepoReader } from "../util/repo-reader.js";

/** Which preview: one pull request of one repository at one commit. */
export interface PreviewTarget {
  owner: string;
  repo: string;
  pr: number;
  sha: string;
  branch?: string;
  /**
   * The DNS label of the preview's public host name, `previewHostLabel` with the operator's host
   * key (the engine always sets it). Absent: rendered without the key (`berth plan`), with a
   * stand-in for the secret part.
   */
  host?: string;
}

/** Everything needed to create or update one preview, computed without touching AWS. */
export interface PreviewPlan {
  config: RepoConfig;
  project: ComposeProject;
  /** Image reference per service with `build:`, resolved for the commit. */
  images: Record<string, string>;
  stack: PreviewStack;
  /** The base stack's outputs the plan was checked against, when known. */
  baseOutputs?: Record<string, string>;
}

export { CONFIG_FILE };

/**
 * Reads `.github/preview.yml` and the compose file(s) through `reader` and renders the preview's
 * CloudFormation stack. Returns undefined when the repository has no preview config (previews off).
 * Throws InputError, naming file, line and key, for anything wrong in the repository's files.
 */
export async function planPreview(input: {
  reader: RepoReader;
  target: PreviewTarget;
  baseStack: string;
  /** The base stack's outputs, where known: the checks that need them (domain, secrets, image mirror) run only then. */
  baseOutputs?: Record<string, string>;
  hold?: { servingImages?: Record<string, string> };
}): Promise<PreviewPlan | undefined> {
  const source = await loadRepoConfigSource(input.reader);
  if (!source) return undefined;
  return planWithConfig({ ...input, config: source.config, configLineOf: source.lineOf, configFile: source.file });
}

/** planPreview for a config already loaded (the app loads it first to decide whether to report at all). */
export async function planWithConfig(input: {
  reader: RepoReader;
  config: RepoConfig;
  target: PreviewTarget;
  baseStack: string;
  /** The base stack's outputs, where known: the checks that need them (domain, secrets, image mirror) run only then. */
  baseOutputs?: Record<string, string>;
  hold?: { servingImages?: Record<string, string> };
  /** Lines of `.github/preview.yml` keys, so that problems with the config name their line. */
  configLineOf?: ConfigLineOf;
  /** The config file the repository has (`.github/preview.yaml` is accepted too); default `.github/preview.yml`. */
  configFile?: string;
}): Promise<PreviewPlan> {
  const { config, target, configLineOf } = input;
  const files = config.compose === undefined ? undefined : [config.compose].flat();
  const supplied = { values: previewVariables(previewValues(target)), deployTimeVariable };
  const project = await loadCompose(input.reader, files, {
    ...(config.profiles ? { profiles: config.profiles } : {}),
    supplied,
    secretParameters: { byName: config.compose_secrets, byVariable: config.secrets },
  });
  try {
    const images = resolveBuildImages(config, project, target, configLineOf);
    const stack = buildTemplate({
      project,
      config,
      target,
      baseStack: input.baseStack,
      images,
      ...(input.baseOutputs ? { baseOutputs: input.baseOutputs } : {}),
      ...(input.hold ? { hold: input.hold } : {}),
      ...(configLineOf ? { configLineOf } : {}),
    });
    return { config, project, images, stack, ...(input.baseOutputs ? { baseOutputs: input.baseOutputs } : {}) };
  } catch (error) {
    const file = input.configFile;
    if (!(error instanceof InputError) || file === undefined || file === CONFIG_FILE) throw error;
    // The checks past loading name the usual file; the repository may have the .yaml one.
    throw new InputError(error.diagnostics.map((d) => (d.file === CONFIG_FILE ? { ...d, file } : d)));
  }
}

/** Renders the plan's stack again with other options (the release phase of a deploy holds images). */
export function renderPlan(plan: PreviewPlan, input: { target: PreviewTarget; baseStack: string; hold?: { servingImages?: Record<string, string> }; gate?: ReleaseGate }): PreviewStack {
  return buildTemplate({
    project: plan.project,
    config: plan.config,
    target: input.target,
    baseStack: input.baseStack,
    images: plan.images,
    ...(plan.baseOutputs ? { baseOutputs: plan.baseOutputs } : {}),
    ...(input.hold ? { hold: input.hold } : {}),
    ...(input.gate ? { gate: input.gate } : {}),
  });
}

/**
 * The image reference of every service with `build:`, from the config's `image` template. Throws
 * InputError when there is no template, or when it resolves to no valid reference for a service
 * (a `{service}` with capitals in the repository, a `{branch}` without a known branch).
 */
export function resolveBuildImages(
  config: RepoConfig,
  project: ComposeProject,
  target: PreviewTarget,
  configLineOf?: ConfigLineOf,
): Record<string, string> {
  const built = project.services.filter((s) => s.build !== undefined);
  if (built.length === 0) return {};
  const line = configLineOf?.(["image"]);
  if (config.image === undefined) {
    throw new InputError([
      {
        file: CONFIG_FILE,
        path: "image",
        message: `image: required because ${built.map((s) => `"${s.name}"`).join(", ")} ${built.length === 1 ? "has" : "have"} build: in the compose file; berth deploys the image CI pushed, e.g. image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:{sha}`,
      },
    ]);
  }
  const template = config.image;
  const images: Record<string, string> = {};
  const diagnostics: Diagnostic[] = [];
  for (const s of built) {
    try {
      images[s.name] = resolveImage(template, { sha: target.sha, pr: target.pr, service: s.buildOf ?? s.name, ...(target.branch ? { branch: target.branch } : {}) });
    } catch (error) {
      if (!(error instanceof ImageReferenceError)) throw error;
      const message = template.includes("{service}") ? imageProblemFor(s.name, error.message) : error.message;
      if (!diagnostics.some((d) => d.message === message)) diagnostics.push({ file: CONFIG_FILE, ...(line === undefined ? {} : { line }), path: "image", message });
    }
  }
  if (diagnostics.length > 0) throw new InputError(diagnostics);
  return images;
}

/** `image: <problem>` told for one service, with the way out when its name has capitals (repositories are lowercase). */
function imageProblemFor(service: string, message: string): string {
  const problem = message.replace(/^image: /, "");
  const hint = /[A-Z]/.test(service) && problem.startsWith("repository ") ? "; rename the service in lowercase or move {service} into the tag" : "";
  return `image: service "${service}": ${problem}${hint}`;
}

/** One line per warning, `FILE:LINE: message [code]`, for people and for `berth plan`'s JSON. */
export function formatWarning(w: Warning): string {
  const text = `${w.message} [${w.code}]`;
  return w.file === undefined ? text : formatDiagnostic({ file: w.file, line: w.line, path: "", message: text });
}
