import path from "node:path";
import { InputError } from "../errors.js";
import { DotenvError, parseDotenv } from "../util/dotenv.js";
import { normalizeRepoPath, type RepoReader } from "../util/repo-reader.js";
import { parseYamlSource, type KeyPath, type YamlSource } from "../util/yaml-source.js";
import { checkConsistency } from "./check-consistency.js";
import { entry, Findings, toComposeNode, type ComposeNode, type MapNode, type Origin } from "./compose-node.js";
import { parseBoolean, parseInteger } from "./compose-values.js";
import { checkProjectForFargate, checkServiceForFargate } from "./fargate-rules.js";
import { interpolate, InterpolationError } from "./interpolate.js";
import { canonicalService, mergeNodes, mergeService } from "./merge-compose.js";
import type { ComposeProject, ComposeService } from "./model.js";
import type { SecretParameters } from "./mounted-files.js";
import { buildContext, namedVolumeMounts, normalizeService } from "./normalize-service.js";
import { validateComposeSchema } from "./validate-compose-schema.js";

/** The files Docker Compose looks for, in its order of preference, when none is named (compose-go `DefaultFileNames`). */
export const DEFAULT_COMPOSE_FILES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"] as const;
/** The override file Docker Compose adds beside the one it found, in its order (compose-go `DefaultOverrideFileNames`). */
export const DEFAULT_OVERRIDE_FILES = ["compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml"] as const;

/** How to read the project beyond its files. */
export interface LoadComposeOptions {
  /**
   * The profiles to enable, as `docker compose --profile`; `*` enables every profile. Undefined or
   * empty: `COMPOSE_PROFILES` from the repository's `.env`, as Compose does.
   */
  profiles?: readonly string[];
  /** Variables berth adds to interpolation (`PREVIEW_URL`, ...); they win over `.env`. */
  supplied?: SuppliedVariables;
  /**
   * Secrets from .github/preview.yml that compose `secrets` take their values from: by compose
   * secret name (`compose_secrets`) and, for an `environment:` source, by variable (`secrets`).
   */
  secretParameters?: SecretParameters;
}

/** One compose file, parsed, interpolated, validated, its services in canonical form. */
interface LoadedFile {
  file: string;
  root: MapNode;
  services: Map<string, MapNode>;
  /** Paths tagged `!reset` or `!override`: what earlier files set there is dropped before this file merges in. */
  replaced: KeyPath[];
}

/**
 * Loads the repository's compose file(s) as `docker compose -f a -f b config` would, and
 * translates them into the ComposeProject berth deploys.
 *
 * - `files` undefined: what `docker compose` reads in the repository's root: the files named by
 *   `COMPOSE_FILE` in `.env`, else the first of compose.yaml, compose.yml, docker-compose.yml,
 *   docker-compose.yaml that exists plus the first override file beside it (compose.override.yml,
 *   ...). Later files override earlier ones, and their relative paths (env_file, build context)
 *   start from the first file's directory, as in Compose. Named `files` get no override, as with `-f`.
 * - Interpolation variables come only from the `.env` next to the first compose file and from
 *   `options.supplied` (berth's `PREVIEW_*` variables, which win over `.env` as the shell's do in
 *   Compose), never from process.env: a compose file must not read the bot's own environment.
 *   Unset variables become "" with an `unset-variable` warning. A supplied value known only at
 *   deploy time is refused where the template cannot take it (`image:`, `ports`, ...).
 * - Each file is validated against the Compose Specification schema; `extends` is resolved,
 *   profiles are applied (`options.profiles`, else `COMPOSE_PROFILES` in `.env`) and the Fargate
 *   rules decide what is refused and what is ignored with a warning.
 *
 * Throws InputError listing every problem found, each as `FILE:LINE: key.path: what is wrong`.
 */
export async function loadCompose(reader: RepoReader, files?: string[], options: LoadComposeOptions = {}): Promise<ComposeProject> {
  const { supplied } = options;
  const findings = new Findings();
  const chosen = await chooseFiles(reader, files, findings);
  const fromDotenv = await readDotenv(reader, path.posix.join(path.posix.dirname(chosen[0]!), ".env"), supplied);
  const variables = withSupplied(fromDotenv, supplied);
  const profiles = enabledProfiles(options.profiles, variables);
  const loader = new FileLoader(reader, variables, findings, supplied);

  const loaded: LoadedFile[] = [];
  for (const file of chosen) {
    const result = await loader.load(file);
    if (result) loaded.push(result);
  }
  fail(findings);

  // Merge the files in order, each with its `extends` resolved first.
  const services = new Map<string, MapNode>();
  const origins = new Map<string, Origin>();
  let project: MapNode | undefined;
  for (const file of loaded) {
    // As compose-go: a value tagged !reset or !override in this file drops what the earlier files set there.
    for (const at of file.replaced) {
      const [top, name, ...rest] = at;
      if (top === "services" && typeof name === "string" && rest.length > 0 && services.has(name)) services.set(name, withoutKey(services.get(name)!, rest));
      else if (top !== "services" && project && top !== undefined) project = withoutKey(project, at);
    }
    for (const [name, service] of file.services) {
      const resolved = await loader.resolveService(file, name, []);
      const existing = services.get(name);
      services.set(name, existing ? mergeService(existing, resolved) : resolved);
      if (!origins.has(name)) origins.set(name, service.at);
    }
    const rest: MapNode = { ...file.root, entries: new Map([...file.root.entries].filter(([key]) => key !== "services")) };
    project = project ? (mergeNodes(project, rest) as MapNode) : rest;
  }
  fail(findings);
  if (project) checkProjectForFargate(project, findings);

  const declaredVolumes = new Set(entry(project, "volumes")?.kind === "map" ? (entry(project, "volumes") as MapNode).entries.keys() : []);
  const skipped = new Map<string, string>();
  const active: Array<[string, MapNode]> = [];
  for (const [name, service] of services) {
    const reason = skipReason(service, profiles, findings);
    if (reason) skipped.set(name, reason);
    else active.push([name, service]);
  }
  if (active.length === 0) {
    const first = [...origins.values()][0];
    const existing = [...new Set([...services.values()].flatMap(profilesOf))];
    const pick = existing[0] ?? "";
    if (first && existing.length > 0) {
      const enabled = profiles.size > 0 ? `the enabled profiles (${[...profiles].join(", ")}) match none of them` : "no profile is enabled";
      findings.error(
        first,
        `every service is left out: the services have the profiles ${existing.join(", ")} and ${enabled}; enable one with \`profiles: [${pick}]\` in .github/preview.yml (as \`docker compose --profile ${pick}\`) or COMPOSE_PROFILES=${pick} in .env`,
      );
    } else if (first) findings.error(first, "every service is scaled to 0; nothing to deploy");
    else findings.diagnostics.push({ file: chosen[0]!, path: "services", message: "services: no services defined; add at least one" });
  }

  checkConsistency(active, project, findings);

  const builders = imageBuilders(services);
  const baseDir = (file: string) => path.posix.dirname(chosen.includes(file) ? chosen[0]! : file);
  const buildContexts = new Map(
    active.flatMap(([name, service]) => {
      const build = service.entries.get("build");
      const context = build?.kind === "map" ? buildContext(build, baseDir) : undefined;
      return context === undefined || /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(context) ? [] : [[name, context] as const];
    }),
  );
  const result: ComposeService[] = [];
  for (const [name, written] of active) {
    checkServiceForFargate(written, findings);
    const builder = written.entries.has("build") ? undefined : builders.get(imageKey(textOf(written.entries.get("image")) ?? ""));
    // As Compose, which builds that image instead of pulling it: the service runs the build.
    const service: MapNode = builder ? { ...written, entries: new Map([...written.entries, ["build", builder.build]]) } : written;
    const normalized = await normalizeService(name, service, origins.get(name) ?? service.at, {
      reader,
      variables,
      declaredVolumes,
      definitions: { secrets: entry(project, "secrets"), configs: entry(project, "configs") },
      secretParameters: options.secretParameters ?? { byName: {}, byVariable: {} },
      findings,
      baseDir,
      buildContexts,
      unsetVariables: (at) => loader.unsetVariables(at),
    });
    if (builder) normalized.buildOf = builder.name;
    result.push(normalized);
  }
  checkDependencies(result, services, skipped, findings);
  markOneShots(result, services, findings);
  warnDottedNames(result, origins, findings);
  warnSharedVolumes(result, services, project, findings);
  fail(findings);
  const leftOut = Object.fromEntries([...skipped].map(([name, reason]) => [name, reason.replace(DEPENDENCY_NOTE, "")]));
  return { services: result, warnings: findings.warnings, files: chosen, ...(skipped.size > 0 ? { leftOut } : {}) };
}

async function chooseFiles(reader: RepoReader, files: string[] | undefined, findings: Findings, setBy = "`compose` in .github/preview.yml"): Promise<string[]> {
  if (files === undefined) {
    const fromEnv = await composeFileVariable(reader);
    if (fromEnv) return chooseFiles(reader, fromEnv, findings, "COMPOSE_FILE in .env");
    const found = await existing(reader, DEFAULT_COMPOSE_FILES);
    if (found.length === 0) {
      throw new InputError([
        {
          file: DEFAULT_COMPOSE_FILES[0],
          path: "",
          message: `no compose file found: looked for ${DEFAULT_COMPOSE_FILES.join(", ")}; add one or set \`compose\` in .github/preview.yml`,
        },
      ]);
    }
    const overrides = await existing(reader, DEFAULT_OVERRIDE_FILES);
    for (const [list, kind] of [
      [found, "compose files"],
      [overrides, "override files"],
    ] as const) {
      for (const other of list.slice(1)) {
        findings.warn(
          "compose-file-ambiguous",
          { file: other, path: [] },
          `not read: ${list[0]} is read instead, as Docker Compose picks the first of several ${kind}; remove one, or list the files under \`compose\` in .github/preview.yml`,
        );
      }
    }
    return overrides.length > 0 ? [found[0]!, overrides[0]!] : [found[0]!];
  }
  const chosen: string[] = [];
  for (const file of files) {
    const normalized = normalizeRepoPath(file);
    if (normalized === undefined) {
      throw new InputError([{ file, path: "", message: "compose file is outside the repository; name a file inside it" }]);
    }
    if ((await reader.readFile(normalized)) === undefined) {
      throw new InputError([{ file: normalized, path: "", message: `compose file not found; check ${setBy}` }]);
    }
    chosen.push(normalized);
  }
  return chosen;
}

async function existing(reader: RepoReader, names: readonly string[]): Promise<string[]> {
  const found = await Promise.all(names.map(async (name) => ((await reader.readFile(name)) === undefined ? undefined : name)));
  return found.filter((name) => name !== undefined);
}

/** `COMPOSE_FILE` of the root `.env`, split on `COMPOSE_PATH_SEPARATOR` (default `:`, as on Linux). */
async function composeFileVariable(reader: RepoReader): Promise<string[] | undefined> {
  const variables = await readDotenv(reader, ".env");
  const value = variables("COMPOSE_FILE");
  if (value === undefined || value.trim() === "") return undefined;
  const separator = variables("COMPOSE_PATH_SEPARATOR") || ":";
  return value.split(separator).map((f) => f.trim()).filter((f) => f !== "");
}

/** The profiles to enable: the given ones, else `COMPOSE_PROFILES` (comma-separated), as compose-go. */
function enabledProfiles(given: readonly string[] | undefined, variables: (name: string) => string | undefined): Set<string> {
  const list = given && given.length > 0 ? given : (variables("COMPOSE_PROFILES") ?? "").split(",");
  return new Set(list.map((p) => p.trim()).filter((p) => p !== ""));
}

/** Variables berth adds to compose interpolation, by name; they win over the repository's `.env`. */
export interface SuppliedVariables {
  values: Readonly<Record<string, string>>;
  /**
   * The variable whose deploy-time value a string holds, if any: such a value becomes a template
   * expression only in a container's environment, command, entrypoint, labels and health check.
   */
  deployTimeVariable?: (text: string) => string | undefined;
}

/** Where a deploy-time value may stand, below `services.<name>`; `build` is CI's business, not berth's. */
const DEPLOY_TIME_KEYS = new Set(["environment", "command", "entrypoint", "labels", "build"]);

function withSupplied(lookup: (name: string) => string | undefined, supplied: SuppliedVariables | undefined): (name: string) => string | undefined {
  if (supplied === undefined) return lookup;
  return (name) => (Object.hasOwn(supplied.values, name) ? supplied.values[name] : lookup(name));
}

/** Whether a value at this key path reaches the template only where a deploy-time value can stand. */
function takesDeployTimeValue(at: KeyPath): boolean {
  const [top, , key, sub] = at.map(String);
  if (top?.startsWith("x-")) return true;
  // A config's content is written into the container when the task starts, address included.
  if (top === "configs" && key === "content") return true;
  if (top !== "services" || key === undefined) return false;
  return DEPLOY_TIME_KEYS.has(key) || key.startsWith("x-") || (key === "healthcheck" && sub === "test");
}

async function readDotenv(reader: RepoReader, file: string, supplied?: SuppliedVariables): Promise<(name: string) => string | undefined> {
  const normalized = normalizeRepoPath(file) ?? ".env";
  const text = await reader.readFile(normalized);
  if (text === undefined) return () => undefined;
  try {
    // `.env` may build on berth's variables (APP_URL=${PREVIEW_URL:-http://localhost:3000}), as on the shell's in Compose.
    const values = parseDotenv(text, supplied ? { lookup: withSupplied(() => undefined, supplied) } : {});
    return (name) => (Object.hasOwn(values, name) ? values[name] : undefined);
  } catch (error) {
    if (!(error instanceof DotenvError)) throw error;
    throw new InputError([{ file: normalized, line: error.line, path: "", message: error.reason }]);
  }
}

function fail(findings: Findings): void {
  if (findings.diagnostics.length > 0) throw new InputError(findings.diagnostics);
}

/** Reads, interpolates and validates compose files once each, and resolves `extends` across them. */
class FileLoader {
  private readonly files = new Map<string, Promise<LoadedFile | undefined>>();
  private readonly resolved = new Map<string, Promise<MapNode>>();
  private readonly unset = new Set<string>();
  /** The unset variables each value interpolated, by file and key path (every occurrence, unlike the warnings). */
  private readonly unsetAt = new Map<string, string[]>();

  constructor(
    private readonly reader: RepoReader,
    private readonly variables: (name: string) => string | undefined,
    private readonly findings: Findings,
    private readonly supplied?: SuppliedVariables,
  ) {}

  /** The variables that were unset where `at` was written, so an error about its value can name them. */
  unsetVariables(at: Origin): readonly string[] {
    return this.unsetAt.get(unsetKey(at.file, at.path)) ?? [];
  }

  load(file: string): Promise<LoadedFile | undefined> {
    let loaded = this.files.get(file);
    if (!loaded) {
      loaded = this.read(file);
      this.files.set(file, loaded);
    }
    return loaded;
  }

  private async read(file: string): Promise<LoadedFile | undefined> {
    const text = await this.reader.readFile(file);
    if (text === undefined) return undefined;
    let source: YamlSource;
    try {
      source = parseYamlSource(file, text);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      this.findings.diagnostics.push(...error.diagnostics);
      return undefined;
    }
    if (source.value === null || typeof source.value !== "object" || Array.isArray(source.value)) {
      const message = source.value === null ? "the file is empty; a compose file needs services" : "a compose file must be a mapping with a services key";
      this.findings.diagnostics.push({ file, line: source.value === null ? undefined : 1, path: "", message });
      return undefined;
    }
    const before = this.findings.diagnostics.length;
    const value = this.interpolateTree(source, source.value, []);
    if (this.findings.diagnostics.length === before) this.findings.diagnostics.push(...validateComposeSchema(source, value));
    if (this.findings.diagnostics.length > before) return undefined;

    const root = toComposeNode(source, value) as MapNode;
    const services = new Map<string, MapNode>();
    const servicesNode = root.entries.get("services");
    if (servicesNode?.kind === "map") {
      for (const [name, service] of servicesNode.entries) {
        // `web:` with nothing under it is an empty service.
        const node: MapNode = service.kind === "map" ? service : { kind: "map", entries: new Map(), at: service.at };
        services.set(name, canonicalService(node));
      }
    }
    const replaced = [...(source.mergeTags?.reset ?? []), ...(source.mergeTags?.override ?? [])];
    return { file, root, services, replaced };
  }

  /** Interpolates every string value (never keys), reporting errors and unset variables with their line. */
  private interpolateTree(source: YamlSource, value: unknown, at: KeyPath): unknown {
    if (typeof value === "string") {
      try {
        const result = interpolate(value, this.variables, {
          onUnset: (name) => {
            const key = unsetKey(source.file, at);
            this.unsetAt.set(key, [...(this.unsetAt.get(key) ?? []), name]);
            if (this.unset.has(name)) return;
            this.unset.add(name);
            this.findings.warn("unset-variable", { file: source.file, path: at, line: source.lineOf(at) }, `variable ${name} is not set in .env; it interpolates to an empty string`);
          },
        });
        const deployTime = this.supplied?.deployTimeVariable?.(result);
        if (deployTime !== undefined && !takesDeployTimeValue(at)) {
          this.findings.error(
            { file: source.file, path: at, line: source.lineOf(at) },
            `${deployTime} is known only when the preview deploys (its host name comes from the base stack's domain); use it in environment, env_file, command, entrypoint, labels, healthcheck.test or a config's content, not here`,
          );
          return value;
        }
        // compose-go casts a boolean field's text before validating it: `read_only: yes`, `required: "${X:-false}"`.
        return isBooleanField(at) ? (parseBoolean(result) ?? result) : result;
      } catch (error) {
        if (!(error instanceof InterpolationError)) throw error;
        this.findings.error({ file: source.file, path: at, line: source.lineOf(at) }, error.message);
        return value;
      }
    }
    if (Array.isArray(value)) return value.map((item, i) => this.interpolateTree(source, item, [...at, i]));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.interpolateTree(source, v, [...at, k])]));
    }
    return value;
  }

  /** The service with its `extends` chain merged in (base first, the service's own keys win). */
  resolveService(file: LoadedFile, name: string, chain: string[]): Promise<MapNode> {
    const key = `${file.file}#${name}`;
    let result = this.resolved.get(key);
    if (!result) {
      result = this.resolveUncached(file, name, [...chain, key]);
      if (!chain.includes(key)) this.resolved.set(key, result);
    }
    return result;
  }

  private async resolveUncached(file: LoadedFile, name: string, chain: string[]): Promise<MapNode> {
    const service = file.services.get(name)!;
    const extendsNode = service.entries.get("extends");
    if (!extendsNode) return service;
    const own: MapNode = { ...service, entries: new Map([...service.entries].filter(([k]) => k !== "extends")) };
    const baseName = textOf(entry(extendsNode, "service")) ?? "";
    const fileNode = entry(extendsNode, "file");
    let baseFile: LoadedFile | undefined = file;
    if (fileNode) {
      const written = textOf(fileNode) ?? "";
      const target = written.startsWith("/") ? undefined : normalizeRepoPath(path.posix.join(path.posix.dirname(file.file), written));
      if (target === undefined) {
        this.findings.error(fileNode.at, `"${written}" is outside the repository; extend a file inside it`);
        return own;
      }
      const before = this.findings.diagnostics.length;
      baseFile = await this.load(target);
      if (!baseFile) {
        if (this.findings.diagnostics.length === before) this.findings.error(fileNode.at, `file "${target}" not found`);
        return own;
      }
    }
    if (!baseFile.services.has(baseName)) {
      this.findings.error(extendsNode.at, `service "${baseName}" not found in ${baseFile.file}`);
      return own;
    }
    const baseKey = `${baseFile.file}#${baseName}`;
    if (chain.includes(baseKey)) {
      const cycle = [...chain, baseKey].map((k) => k.replace(/^.*#/, "")).join(" -> ");
      this.findings.error(extendsNode.at, `extends forms a cycle: ${cycle}`);
      return own;
    }
    const base = await this.resolveService(baseFile, baseName, chain);
    return mergeService(base, own);
  }
}

/** `node` without what stands at `path`; nodes are shared (extends, aliases), so they are copied, never changed. */
function withoutKey(node: MapNode, path: KeyPath): MapNode {
  const [head, ...rest] = path;
  const child = node.entries.get(String(head));
  if (child === undefined) return node;
  const entries = new Map(node.entries);
  if (rest.length === 0) entries.delete(String(head));
  else if (child.kind === "map") entries.set(String(head), withoutKey(child, rest));
  else if (child.kind === "seq" && typeof rest[0] === "number" && rest.length === 1) {
    entries.set(String(head), { ...child, items: child.items.filter((_, i) => i !== rest[0]) });
  }
  return { ...node, entries };
}

function unsetKey(file: string, at: KeyPath): string {
  return `${file}\u0000${at.join("\u0000")}`;
}

/**
 * The boolean fields whose text compose-go casts with its `toBoolean` during interpolation, before
 * the schema sees them (its interpolateTypeCastMapping); `*` is any key or list index.
 */
const BOOLEAN_FIELDS: readonly string[][] = [
  ["services", "*", "init"],
  ["services", "*", "depends_on", "*", "required"],
  ["services", "*", "depends_on", "*", "restart"],
  ["services", "*", "healthcheck", "disable"],
  ["services", "*", "oom_kill_disable"],
  ["services", "*", "privileged"],
  ["services", "*", "read_only"],
  ["services", "*", "stdin_open"],
  ["services", "*", "tty"],
  ["services", "*", "volumes", "*", "read_only"],
  ["services", "*", "volumes", "*", "volume", "nocopy"],
  ...["external", "internal", "attachable", "enable_ipv4", "enable_ipv6"].map((key) => ["networks", "*", key]),
  ...["volumes", "secrets", "configs"].map((kind) => [kind, "*", "external"]),
];

function isBooleanField(at: KeyPath): boolean {
  return BOOLEAN_FIELDS.some((field) => field.length === at.length && field.every((part, i) => part === "*" || part === String(at[i])));
}

/** A scalar's value as YAML gave it (a boolean stays a boolean). */
function valueOf(node: ComposeNode | undefined): unknown {
  return node?.kind === "scalar" ? node.value : undefined;
}

function textOf(node: ComposeNode | undefined): string | undefined {
  return node?.kind === "scalar" && node.value !== null ? String(node.value) : undefined;
}

/** The services that build an image they name (`build:` and `image:`), by image, the first of each; profiles do not matter, CI builds them all. */
function imageBuilders(services: Map<string, MapNode>): Map<string, { name: string; build: ComposeNode }> {
  const out = new Map<string, { name: string; build: ComposeNode }>();
  for (const [name, service] of services) {
    const build = service.entries.get("build");
    const image = textOf(service.entries.get("image"));
    if (build === undefined || image === undefined) continue;
    const key = imageKey(image);
    if (!out.has(key)) out.set(key, { name, build });
  }
  return out;
}

/** An image reference as Docker resolves it: `myapp`, `myapp:latest` and `docker.io/library/myapp:latest` are one image. */
function imageKey(reference: string): string {
  let ref = reference.trim();
  if (ref === "") return "";
  const lastPart = ref.slice(ref.lastIndexOf("/") + 1);
  if (!lastPart.includes(":") && !ref.includes("@")) ref += ":latest";
  return ref.replace(/^(?:index\.)?docker\.io\//, "").replace(/^library\//, "");
}

/** The profiles a service is listed in. */
function profilesOf(service: MapNode): string[] {
  const node = service.entries.get("profiles");
  return node?.kind === "seq" ? node.items.map((item) => textOf(item) ?? "").filter((p) => p !== "") : [];
}

/** Why Compose would not start this service with these profiles enabled, if it would not. */
/**
 * A service name with a dot (`api.v1`) is valid Compose, and its ECS service registers under it,
 * but musl (Alpine images) looks a dotted name up only as written, never under the preview's search
 * domain: the other services could reach it only from glibc images. One-shot services have no name
 * to reach.
 */
function warnDottedNames(services: ComposeService[], origins: Map<string, Origin>, findings: Findings): void {
  for (const service of services) {
    if (!service.name.includes(".") || service.oneShot) continue;
    const at = origins.get(service.name) ?? { file: service.file, path: ["services", service.name], line: service.line };
    findings.warn(
      "dotted-service-name",
      at,
      `"${service.name}" has a dot in its name: images built on musl (Alpine) look a dotted name up only as written, not under the preview's search domain, so they cannot reach this service by it; rename the service without dots`,
    );
  }
}

/** Said of a left-out service that another depends on; not of one named in .github/preview.yml. */
const DEPENDENCY_NOTE = " (Compose never enables a dependency's profile for it)";

function skipReason(service: MapNode, enabled: ReadonlySet<string>, findings: Findings): string | undefined {
  const own = profilesOf(service);
  if (own.length > 0 && !enabled.has("*") && !own.some((p) => enabled.has(p))) {
    const names = own.join(", ");
    const how = `enable it with \`profiles: [${own[0]}]\` in .github/preview.yml or COMPOSE_PROFILES in .env`;
    findings.warn("profile-skipped", service.entries.get("profiles")!.at, `left out: its profile ${names} is not enabled; ${how}`);
    // As in Compose, depending on a service never enables its profile.
    return `is left out: its profile ${names} is not enabled${DEPENDENCY_NOTE}; ${how}`;
  }
  const scale = service.entries.get("scale") ?? entry(entry(service, "deploy"), "replicas");
  if (scale?.kind === "scalar" && parseInteger(scale.value) === 0) {
    findings.warn("scaled-to-zero", scale.at, "left out: the service is scaled to 0");
    return "is scaled to 0 and is not started; remove the dependency or the scale";
  }
  return undefined;
}

function checkDependencies(
  active: ComposeService[],
  all: Map<string, MapNode>,
  skipped: Map<string, string>,
  findings: Findings,
): void {
  const byName = new Map(active.map((s) => [s.name, s]));
  for (const service of active) {
    const dependsOn = entry(all.get(service.name), "depends_on");
    const kept: ComposeService["dependsOn"] = [];
    for (const dependency of service.dependsOn) {
      const spec = entry(dependsOn, dependency.service);
      const at = spec?.at ?? { file: service.file, path: ["services", service.name, "depends_on"], line: service.line };
      const required = parseBoolean(valueOf(entry(spec, "required"))) !== false;
      const target = byName.get(dependency.service);
      if (dependency.service === service.name) {
        findings.error(at, "a service cannot depend on itself");
        continue;
      }
      if (target === undefined) {
        const reason = skipped.get(dependency.service);
        const problem = reason === undefined ? `service "${dependency.service}" is not defined` : `"${dependency.service}" ${reason}`;
        // As compose-go: required: false excuses a service left out (by its profile or scale 0), never an undefined one.
        if (reason === undefined) {
          const excuse = required ? "" : " (required: false excuses only a service that is left out, as in Compose)";
          findings.error(at, `${problem}; remove the dependency or define the service${excuse}`);
        } else if (!required) findings.warn("dependency-skipped", at, `${problem}; dropped because the dependency has required: false`);
        else findings.error(at, problem);
        continue;
      } else if (dependency.condition === "service_healthy" && target.healthcheck === undefined) {
        const own = entry(all.get(dependency.service), "healthcheck");
        if (own !== undefined) {
          // Disabled on purpose: Compose itself fails to start the dependent.
          findings.error(at, `waits for "${dependency.service}" to be healthy, but its healthcheck is disabled; enable it or use service_started`);
        } else {
          // The image's own HEALTHCHECK would serve under Compose; ECS reads only the task definition's.
          findings.warn(
            "healthy-as-started",
            at,
            `waits for "${dependency.service}" to be started, not healthy: it has no healthcheck in the compose file, and ECS does not run the HEALTHCHECK of its image; add a healthcheck to "${dependency.service}" to wait until it is healthy`,
          );
          dependency.condition = "service_started";
        }
      }
      kept.push(dependency);
    }
    service.dependsOn = kept;
  }
  const cycle = findCycle(active);
  if (cycle) {
    const first = byName.get(cycle[0]!)!;
    const at = entry(all.get(first.name), "depends_on")?.at ?? { file: first.file, path: ["services", first.name], line: first.line };
    findings.error(at, `depends_on forms a cycle: ${cycle.join(" -> ")}`);
  }
}

/**
 * Marks the services that run once and exit, as Compose users write them:
 *
 * - some service waits for it with `condition: service_completed_successfully` (Compose starts the
 *   dependent only once it exited 0: `migrate`, `init`, `createbuckets` in Supabase, n8n, Sentry
 *   and most MinIO setups); or
 * - it says `restart: "no"` (or `restart: no`) itself, publishes and exposes no port, has no
 *   healthcheck, and no service waits for it to be started or healthy: nothing could use it
 *   running, so `restart: "no"` can only mean "run me once" (MinIO's `createbuckets` written
 *   without dependents). Compose's default is also "no", but a restart left out says nothing:
 *   long-running services leave it out just as often.
 *
 * `restart: on-failure` alone is not enough (workers use it to stay up). The `restart` and
 * `deploy.restart_policy` warnings of a one-shot service are dropped: running it once is what it
 * asks for, and a restart on failure is honoured by running it again (see `oneShotRetries`).
 */
function markOneShots(services: ComposeService[], all: Map<string, MapNode>, findings: Findings): void {
  const awaited = new Set(services.flatMap((s) => s.dependsOn.filter((d) => d.condition === "service_completed_successfully").map((d) => d.service)));
  const needed = new Set(services.flatMap((s) => s.dependsOn.filter((d) => d.condition !== "service_completed_successfully").map((d) => d.service)));
  for (const service of services) {
    const restart = textOf(all.get(service.name)?.entries.get("restart"));
    const runsOnce =
      awaited.has(service.name) ||
      ((restart === "no" || restart === "false") &&
        service.ports.length === 0 &&
        service.expose.length === 0 &&
        (service.exposeUdp ?? []).length === 0 &&
        service.portRanges.length === 0 &&
        service.healthcheck === undefined &&
        !needed.has(service.name));
    if (!runsOnce) continue;
    service.oneShot = true;
    const written = all.get(service.name);
    dropWarning(findings, "restart-ignored", written?.entries.get("restart")?.at);
    dropWarning(findings, "field-ignored", entry(entry(written, "deploy"), "restart_policy")?.at);
    const retries = written ? oneShotRetries(written, findings) : 0;
    if (retries > 0) service.retries = retries;
  }
}

function dropWarning(findings: Findings, code: string, at: Origin | undefined): void {
  if (at === undefined) return;
  const index = findings.warnings.findIndex((w) => w.code === code && w.file === at.file && w.line === at.line);
  if (index >= 0) findings.warnings.splice(index, 1);
}

/** Retries of a one-shot service that restarts on failure without a limit (Compose retries for ever). */
export const DEFAULT_ONE_SHOT_RETRIES = 3;
/** The most retries berth gives a one-shot service: each one is a new Fargate task, about a minute. */
export const MAX_ONE_SHOT_RETRIES = 10;

/**
 * How many times a one-shot service runs again after a non-zero exit, as Compose restarts it:
 * `restart: on-failure:N`, or `deploy.restart_policy` with `condition: on-failure` and
 * `max_attempts: N`, which wins over `restart` as in Compose. Any other policy: 0. Without a
 * limit (or `:0`, which Docker takes as none) Compose retries for ever; berth stops after
 * DEFAULT_ONE_SHOT_RETRIES, and after MAX_ONE_SHOT_RETRIES at most, with a `restart-capped` warning.
 */
function oneShotRetries(service: MapNode, findings: Findings): number {
  const policy = entry(entry(service, "deploy"), "restart_policy");
  let condition: string | undefined;
  let limit: number;
  let at: Origin | undefined;
  let choose: string;
  if (policy !== undefined) {
    condition = textOf(entry(policy, "condition"));
    const max = entry(policy, "max_attempts");
    limit = max?.kind === "scalar" ? (parseInteger(max.value) ?? 0) : 0;
    at = (max ?? entry(policy, "condition") ?? policy).at;
    choose = "set max_attempts to choose the number";
  } else {
    const restart = service.entries.get("restart");
    const [name, count] = (textOf(restart) ?? "").split(":");
    condition = name;
    limit = count === undefined ? 0 : (parseInteger(count) ?? 0);
    at = restart?.at;
    choose = "write on-failure:N to choose the number";
  }
  if (condition?.trim() !== "on-failure" || at === undefined) return 0;
  if (limit > 0 && limit <= MAX_ONE_SHOT_RETRIES) return limit;
  if (limit > MAX_ONE_SHOT_RETRIES) {
    findings.warn(
      "restart-capped",
      at,
      `${limit} retries capped at ${MAX_ONE_SHOT_RETRIES}: berth runs this one-shot service at most ${MAX_ONE_SHOT_RETRIES + 1} times, each in a new Fargate task, before the deploy fails`,
    );
    return MAX_ONE_SHOT_RETRIES;
  }
  findings.warn(
    "restart-capped",
    at,
    `on-failure without a limit retries for ever in Compose; berth runs this one-shot service at most ${DEFAULT_ONE_SHOT_RETRIES + 1} times (${DEFAULT_ONE_SHOT_RETRIES} retries) before the deploy fails; ${choose}`,
  );
  return DEFAULT_ONE_SHOT_RETRIES;
}

function findCycle(services: ComposeService[]): string[] | undefined {
  const byName = new Map(services.map((s) => [s.name, s]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === "done") return undefined;
    if (state.get(name) === "visiting") return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, "visiting");
    stack.push(name);
    for (const d of byName.get(name)?.dependsOn ?? []) {
      const found = visit(d.service);
      if (found) return found;
    }
    stack.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const s of services) {
    const found = visit(s.name);
    if (found) return found;
  }
  return undefined;
}

/**
 * Warns about a named volume that several services mount: Compose shares it between their
 * containers, but every Fargate task has its own storage. The warning names each service with the
 * path it mounts the volume at (as written, mounted by berth or not), says who will miss whose
 * files (a read-only mount reads what the others write) and what works instead.
 */
function warnSharedVolumes(services: ComposeService[], all: Map<string, MapNode>, project: MapNode | undefined, findings: Findings): void {
  const users = new Map<string, Array<{ service: string; targets: string[]; readOnly: boolean }>>();
  for (const service of services) {
    const written = all.get(service.name);
    for (const mount of written ? namedVolumeMounts(written) : []) {
      const list = users.get(mount.name) ?? [];
      const user = list.find((u) => u.service === service.name);
      if (user) {
        if (!user.targets.includes(mount.target)) user.targets.push(mount.target);
        user.readOnly &&= mount.readOnly;
      } else list.push({ service: service.name, targets: [mount.target], readOnly: mount.readOnly });
      users.set(mount.name, list);
    }
  }
  for (const [volume, list] of users) {
    if (list.length < 2) continue;
    const declared = entry(entry(project, "volumes"), volume);
    const at = declared?.at ?? { file: services[0]!.file, path: ["volumes", volume] };
    // Services that mount it alike are named together: "web and worker at /data".
    const alike = new Map<string, string[]>();
    for (const u of list) {
      const how = `at ${joinAnd(u.targets)}${u.readOnly ? " (read-only)" : ""}`;
      alike.set(how, [...(alike.get(how) ?? []), u.service]);
    }
    const where = joinAnd([...alike].map(([how, names]) => `${joinAnd(names)} ${how}`));
    const readers = list.filter((u) => u.readOnly).map((u) => u.service);
    const writers = list.filter((u) => !u.readOnly).map((u) => u.service);
    const what =
      readers.length > 0 && writers.length > 0
        ? `${joinAnd(readers)} ${readers.length === 1 ? "gets its" : "get their"} own empty copy and will not see what ${joinAnd(writers)} ${writers.length === 1 ? "writes" : "write"} there; ` +
          `serve the files from ${writers[0]}, build them into ${readers[0]}'s image (COPY --from), or put them in S3`
        : "each gets its own empty copy and none sees what another writes there; " +
          "serve the files from the service that makes them, build them into the image that reads them (COPY --from), or put them in S3";
    findings.warn("volume-not-shared", at, `volume "${volume}" is mounted by ${where}, but Fargate tasks share no storage: ${what}`);
  }
}

/** `a`, `a and b`, `a, b and c`. */
function joinAnd(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
