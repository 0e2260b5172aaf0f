import path from "node:path";
import { DotenvError, parseDotenv, parseRawEnvFile } from "../util/dotenv.js";
import { normalizeRepoPath } from "../util/repo-reader.js";
import { ShellWordsError, splitShellWords } from "../util/shell-words.js";
import { entry, type ComposeNode, type Findings, type MapNode, type Origin } from "./compose-node.js";
import { parseBoolean, parseBytes, parseDurationSeconds, parseInteger, parseNumber } from "./compose-values.js";
import { checkDeployForFargate } from "./fargate-rules.js";
import { imageReferenceProblem } from "./image-reference.js";
import { splitVolumeSpec } from "./merge-compose.js";
import { bindMount, secretMounts, type MountContext } from "./mounted-files.js";
import { warnNestedKeys } from "./nested-keys.js";
import { normalizePorts } from "./normalize-ports.js";
import {
  emptyService,
  type ComposeFileMount,
  type ComposeHealthcheck,
  type ComposeService,
  type ComposeVolumeMount,
  type DependsOnCondition,
} from "./model.js";

/** What normalizing a service needs besides the service itself (reading mounted files included). */
export interface NormalizeContext extends MountContext {
  /** Names under the top-level `volumes` key. */
  declaredVolumes: ReadonlySet<string>;
  /** The variables that were unset where a value was written, for errors that a missing variable explains. */
  unsetVariables?: (at: Origin) => readonly string[];
}

/** ECS limits for container health checks, in seconds (retries: count). */
const HEALTHCHECK_LIMITS = {
  interval: { key: "intervalSeconds", min: 5, max: 300 },
  timeout: { key: "timeoutSeconds", min: 2, max: 60 },
  retries: { key: "retries", min: 1, max: 10 },
  start_period: { key: "startPeriodSeconds", min: 0, max: 300 },
} as const;
/**
 * Docker gives a health check without `timeout` 30 s; ECS would give it 5 s, failing a check that
 * passes under Compose, so the preview keeps Docker's.
 */
const DOCKER_HEALTHCHECK_TIMEOUT = 30;
/** Fargate waits at most 120 s between SIGTERM and SIGKILL. */
const MAX_STOP_TIMEOUT = 120;

const scalarValue = (node: ComposeNode | undefined): string | number | boolean | null | undefined =>
  node?.kind === "scalar" ? node.value : undefined;
const textOf = (node: ComposeNode | undefined): string | undefined => {
  const value = scalarValue(node);
  return value === undefined || value === null ? undefined : String(value);
};

/**
 * Translates one merged, canonical service into the ComposeService model: short and long
 * syntaxes normalized, env_files read, durations and sizes converted, and the Fargate checks
 * for ports, volumes, health checks and deploy applied. Problems go to `ctx.findings`.
 */
export async function normalizeService(
  name: string,
  service: MapNode,
  origin: Origin,
  ctx: NormalizeContext,
): Promise<ComposeService> {
  const { findings } = ctx;
  const get = (key: string) => service.entries.get(key);
  const out = emptyService(name, origin.file, origin.line);

  const image = textOf(get("image"));
  if (image !== undefined) {
    out.image = image;
    const problem = imageReferenceProblem(image);
    // Docker refuses to pull it ("invalid reference format"): refused here, before anything is created.
    if (problem !== undefined) {
      const at = get("image")!.at;
      const unset = ctx.unsetVariables?.(at) ?? [];
      const why = unset.length === 0 ? "" : ` (${unset.join(", ")} ${unset.length === 1 ? "is" : "are"} not set in .env)`;
      findings.error(at, `"${image}" is not an image Docker can pull: ${problem}${why}`);
    }
  }
  const build = get("build");
  if (build?.kind === "map") out.build = normalizeBuild(build, ctx);
  // A provider service is refused by the Fargate rules; it has no image by design.
  if (out.image === undefined && out.build === undefined && !service.entries.has("provider")) {
    findings.error(service.at, "a service needs an image or a build; add one");
  }

  const command = normalizeCommand(get("command"), findings);
  if (command) out.command = command;
  const entrypoint = normalizeCommand(get("entrypoint"), findings);
  if (entrypoint) out.entrypoint = entrypoint;

  out.environment = { ...(await readEnvFiles(get("env_file"), ctx)), ...keyValues(get("environment"), ctx.variables) };
  // A label without a value is an empty label in Compose, never read from the environment.
  out.labels = keyValues(get("labels"), () => "");

  Object.assign(out, normalizePorts(get("ports"), get("expose"), findings));

  const dependsOn = get("depends_on");
  if (dependsOn?.kind === "map") {
    for (const [dependency, spec] of dependsOn.entries) {
      warnNestedKeys("depends_on", spec, findings);
      const condition = (textOf(entry(spec, "condition")) ?? "service_started") as DependsOnCondition;
      out.dependsOn.push({ service: dependency, condition });
    }
  }

  // A link makes its service a dependency, as in compose-go.
  const links = get("links");
  if (links?.kind === "seq") {
    for (const item of links.items) {
      const linked = (textOf(item) ?? "").split(":")[0]!;
      if (linked !== "" && !out.dependsOn.some((d) => d.service === linked)) out.dependsOn.push({ service: linked, condition: "service_started" });
    }
  }

  const healthcheck = normalizeHealthcheck(get("healthcheck"), findings);
  if (healthcheck) out.healthcheck = healthcheck;

  const volumes = get("volumes");
  if (volumes?.kind === "seq") {
    const readOnlyRoot = parseBoolean(scalarValue(get("read_only"))) === true;
    const built = get("build") !== undefined;
    for (const item of volumes.items) {
      const mount = await normalizeVolume(item, ctx, { readOnlyRoot, built, ...(out.build ? { buildContext: out.build.context } : {}) });
      if (mount && "files" in mount) out.files.push(mount);
      else if (mount) out.volumes.push(mount);
    }
  }
  out.files.push(...(await secretMounts("secrets", get("secrets"), ctx)), ...(await secretMounts("configs", get("configs"), ctx)));
  refuseSharedTargets(out, findings);

  const tmpfs = get("tmpfs");
  if (tmpfs?.kind === "seq") {
    for (const item of tmpfs.items) {
      // `/run:rw,noexec,size=64m,mode=1770`: Docker's --tmpfs syntax.
      const [target = "", options = ""] = (textOf(item) ?? "").split(/:(.*)/s);
      if (out.volumes.some((v) => v.target === target)) continue;
      const settings = options.split(",").filter((o) => o !== "" && o !== "rw");
      const mode = settings.find((o) => o.startsWith("mode="))?.slice(5);
      const other = settings.filter((o) => !o.startsWith("mode="));
      if (other.length > 0) findings.warn("tmpfs-options-ignored", item.at, `${other.join(",")} ignored: ${target} is task storage on Fargate, which has no tmpfs`);
      out.volumes.push({ target, readOnly: false, tmpfsMode: tmpfsMode(mode, item.at, findings) });
    }
  }

  const limits = normalizeLimits(service, findings);
  if (limits) out.limits = limits;
  const deploy = get("deploy");
  if (deploy) checkDeployForFargate(deploy, findings);

  const workingDir = textOf(get("working_dir"));
  if (workingDir !== undefined) out.workingDir = workingDir;
  const user = textOf(get("user"));
  if (user !== undefined) out.user = user;
  for (const [key, field] of [
    ["init", "init"],
    ["read_only", "readOnly"],
    ["tty", "tty"],
    ["stdin_open", "stdinOpen"],
  ] as const) {
    const node = get(key);
    if (node === undefined) continue;
    const value = parseBoolean(scalarValue(node));
    if (value === undefined) findings.error(node.at, `must be true or false, not "${textOf(node) ?? ""}"`);
    else out[field] = value;
  }

  const grace = get("stop_grace_period");
  if (grace) {
    const seconds = parseDurationSeconds(textOf(grace) ?? "");
    if (seconds === undefined) findings.error(grace.at, `"${textOf(grace) ?? ""}" is not a duration (like 10s or 1m30s)`);
    else {
      out.stopGracePeriodSeconds = Math.min(Math.ceil(seconds), MAX_STOP_TIMEOUT);
      if (seconds > MAX_STOP_TIMEOUT) {
        findings.warn("stop-grace-period-clamped", grace.at, `reduced to ${MAX_STOP_TIMEOUT}s, the longest stop timeout Fargate allows`);
      }
    }
  }

  out.ulimits = normalizeUlimits(get("ulimits"), findings);
  const capAdd = capabilities(get("cap_add")).filter((c) => c === "SYS_PTRACE");
  if (capAdd.length > 0) out.capAdd = capAdd;
  const capDrop = capabilities(get("cap_drop"));
  if (capDrop.length > 0) out.capDrop = capDrop;
  return out;
}

/** A build's context: a repository path relative to the compose file that wrote it, or a URL (git, https) as written. */
export function buildContext(build: MapNode, baseDir: (file: string) => string): string {
  const contextNode = build.entries.get("context");
  const written = textOf(contextNode) ?? ".";
  const file = contextNode?.at.file ?? build.at.file;
  return /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(written) ? written : (normalizeRepoPath(path.posix.join(baseDir(file), written)) ?? written);
}

function normalizeBuild(build: MapNode, ctx: NormalizeContext): NonNullable<ComposeService["build"]> {
  const context = buildContext(build, ctx.baseDir);
  const result: NonNullable<ComposeService["build"]> = { context, args: keyValues(build.entries.get("args"), ctx.variables) };
  const dockerfile = textOf(build.entries.get("dockerfile"));
  if (dockerfile !== undefined) result.dockerfile = dockerfile;
  const target = textOf(build.entries.get("target"));
  if (target !== undefined) result.target = target;
  return result;
}

function normalizeCommand(node: ComposeNode | undefined, findings: Findings): string[] | undefined {
  if (node === undefined || scalarValue(node) === null) return undefined;
  if (node.kind === "seq") return node.items.map((item) => textOf(item) ?? "");
  try {
    return splitShellWords(textOf(node) ?? "");
  } catch (error) {
    if (!(error instanceof ShellWordsError)) throw error;
    findings.error(node.at, error.message);
    return undefined;
  }
}

/** `{KEY: value}` with YAML numbers and booleans as text; a key without value comes from `.env` or is dropped. */
function keyValues(node: ComposeNode | undefined, variables: (name: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (node?.kind !== "map") return out;
  for (const [key, value] of node.entries) {
    const v = scalarValue(value);
    if (v === null || v === undefined) {
      const fromEnv = variables(key);
      if (fromEnv !== undefined) out[key] = fromEnv;
    } else out[key] = String(v);
  }
  return out;
}

async function readEnvFiles(node: ComposeNode | undefined, ctx: NormalizeContext): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (node?.kind !== "seq") return out;
  for (const item of node.items) {
    const written = textOf(item.kind === "map" ? item.entries.get("path") : item) ?? "";
    const requiredNode = item.kind === "map" ? item.entries.get("required") : undefined;
    const required = requiredNode === undefined ? true : parseBoolean(scalarValue(requiredNode)) !== false;
    const file = normalizeRepoPath(path.posix.join(ctx.baseDir(item.at.file), written));
    if (file === undefined || written.startsWith("/")) {
      ctx.findings.error(item.at, `env file "${written}" is outside the repository; keep env files in the repository`);
      continue;
    }
    const text = await ctx.reader.readFile(file);
    if (text === undefined) {
      if (required) ctx.findings.error(item.at, `env file "${file}" not found; add it to the repository or mark it required: false`);
      continue;
    }
    const formatNode = entry(item, "format");
    const format = textOf(formatNode);
    if (formatNode && format !== "raw" && format !== "dotenv") {
      ctx.findings.error(formatNode.at, `unsupported env_file format "${format ?? ""}"; Compose reads "dotenv" (the default) and "raw"`);
      continue;
    }
    try {
      Object.assign(out, format === "raw" ? parseRawEnvFile(text, ctx.variables) : parseDotenv(text, { lookup: ctx.variables }));
    } catch (error) {
      if (!(error instanceof DotenvError)) throw error;
      ctx.findings.diagnostics.push({ file, line: error.line, path: "", message: error.reason });
    }
  }
  return out;
}

function normalizeHealthcheck(node: ComposeNode | undefined, findings: Findings): ComposeHealthcheck | undefined {
  if (node?.kind !== "map") return undefined;
  if (parseBoolean(scalarValue(node.entries.get("disable"))) === true) return undefined;
  const testNode = node.entries.get("test");
  let test: string[];
  // `test: []` sets no test, as a left-out one: compose-go checks the first word only of a test that has one.
  if (testNode === undefined || (testNode.kind === "seq" && testNode.items.length === 0)) {
    findings.warn("healthcheck-without-test", node.at, "ignored: without a test the image's own HEALTHCHECK applies, which ECS does not read; add a test");
    return undefined;
  }
  if (testNode.kind === "seq") test = testNode.items.map((item) => textOf(item) ?? "");
  else test = ["CMD-SHELL", textOf(testNode) ?? ""];
  if (test[0] === "NONE") return undefined;
  if ((test[0] !== "CMD" && test[0] !== "CMD-SHELL") || test.length < 2) {
    findings.error(testNode.at, 'a test list starts with "CMD", "CMD-SHELL" or "NONE" and then the command');
    return undefined;
  }
  const healthcheck: ComposeHealthcheck = { test };
  for (const [key, limit] of Object.entries(HEALTHCHECK_LIMITS)) {
    const valueNode = node.entries.get(key);
    if (valueNode === undefined) continue;
    const raw = key === "retries" ? parseInteger(scalarValue(valueNode)) : parseDurationSeconds(textOf(valueNode) ?? "");
    if (raw === undefined) {
      findings.error(valueNode.at, key === "retries" ? "must be a whole number" : `"${textOf(valueNode) ?? ""}" is not a duration (like 10s or 1m30s)`);
      continue;
    }
    const rounded = Math.ceil(raw);
    const clamped = Math.min(Math.max(rounded, limit.min), limit.max);
    if (clamped !== raw) {
      const unit = key === "retries" ? "" : "s";
      findings.warn("healthcheck-clamped", valueNode.at, `${textOf(valueNode) ?? ""} changed to ${clamped}${unit}: ECS allows ${limit.min}${unit} to ${limit.max}${unit}`);
    }
    healthcheck[limit.key] = clamped;
  }
  healthcheck.timeoutSeconds ??= DOCKER_HEALTHCHECK_TIMEOUT;
  warnNestedKeys("healthcheck", node, findings);
  return healthcheck;
}

/**
 * One `volumes` entry as a task mount, or undefined when it is not mounted. Fargate mounts an empty
 * directory: unlike Docker it copies the image's files into it only where the image declares that
 * path a VOLUME. An anonymous volume exists to keep the image's files there (`/app/node_modules`
 * under a bind mount of the code), so it is not mounted and the path keeps the image's files;
 * only a read-only service gets it, as the one place it can write. A named volume on a service built
 * from the repository is left out for the same reason; third-party images (databases) declare their
 * data paths as VOLUMEs, so theirs are mounted.
 */
async function normalizeVolume(
  node: ComposeNode,
  ctx: NormalizeContext,
  { readOnlyRoot, built, buildContext }: { readOnlyRoot: boolean; built: boolean; buildContext?: string },
): Promise<ComposeVolumeMount | ComposeFileMount | undefined> {
  const { findings } = ctx;
  const { type, source, target, readOnly } = parseVolume(node);
  if (node.kind === "map") {
    warnNestedKeys("volumes", node, findings);
    if (type === "volume") warnNestedKeys("volumes.volume", node.entries.get("volume"), findings);
  }
  if (type === "bind" && source !== undefined) {
    return bindMount({ source, target, readOnly, at: node.at }, { readOnlyRoot, ...(buildContext === undefined ? {} : { buildContext }) }, ctx);
  }
  if (type === "bind" || type === "npipe") {
    findings.warn("bind-mount-ignored", node.at, `host path ${source ?? ""} not mounted: a Fargate task has no host files`);
    return undefined;
  }
  if (type === "tmpfs") {
    const options = entry(node, "tmpfs");
    const mode = scalarValue(entry(options, "mode"));
    warnNestedKeys("volumes.tmpfs", options, findings);
    return { target, readOnly: false, tmpfsMode: tmpfsMode(mode, node.at, findings) };
  }
  if (type !== "volume") {
    findings.warn("field-ignored", node.at, `${type} volumes are not available on Fargate; ${target} is not mounted`);
    return undefined;
  }
  if (source === undefined || source === "") {
    if (readOnlyRoot) return { target, readOnly };
    findings.warn(
      "anonymous-volume-ignored",
      node.at,
      `${target} not mounted: Fargate would mount an empty directory there, hiding the image's files; the path keeps them, on task storage`,
    );
    return undefined;
  }
  if (!ctx.declaredVolumes.has(source)) {
    findings.error(node.at, `volume "${source}" is not declared under the top-level volumes key; declare it or use a path`);
    return undefined;
  }
  if (built && !readOnlyRoot) {
    // An image built from the repository declares no VOLUME there, so the mount would start empty
    // and hide what the build put at that path (node_modules, collected static files).
    findings.warn(
      "named-volume-not-mounted",
      node.at,
      `volume "${source}" not mounted at ${target}: on Fargate it would start empty and hide the built image's files there; the path keeps them, on task storage`,
    );
    return undefined;
  }
  findings.warn("named-volume-ephemeral", node.at, `volume "${source}" is task storage on Fargate: its data lives as long as the task`);
  return { name: source, target, readOnly };
}

/** Two mounts at one path: Compose refuses them too. */
function refuseSharedTargets(service: ComposeService, findings: Findings): void {
  const taken = new Map(service.volumes.map((v) => [path.posix.normalize(v.target), "a volume"]));
  for (const mount of service.files) {
    const target = path.posix.normalize(mount.target);
    const other = taken.get(target);
    if (other !== undefined) {
      findings.error(
        { file: mount.file, path: ["services", service.name], ...(mount.line === undefined ? {} : { line: mount.line }) },
        `${mount.label} and ${other} both go to ${target}; give each its own path`,
      );
    }
    taken.set(target, mount.label);
  }
}

/** One `volumes` entry as written, short or long syntax: a source that is a path makes a bind mount. */
function parseVolume(node: ComposeNode): { type: string; source?: string; target: string; readOnly: boolean } {
  if (node.kind === "map") {
    const source = textOf(node.entries.get("source"));
    return {
      type: textOf(node.entries.get("type")) ?? "volume",
      ...(source === undefined ? {} : { source }),
      target: textOf(node.entries.get("target")) ?? "",
      readOnly: parseBoolean(scalarValue(node.entries.get("read_only"))) === true,
    };
  }
  const parts = splitVolumeSpec(textOf(node) ?? "");
  if (parts.length === 1) return { type: "volume", target: parts[0]!, readOnly: false };
  const source = parts[0]!;
  const isPath = /^([./~]|[a-zA-Z]:[\\/])/.test(source);
  return { type: isPath ? "bind" : "volume", source, target: parts[1]!, readOnly: (parts[2] ?? "").split(",").includes("ro") };
}

/**
 * The named volumes a service mounts as its compose file writes them, whether berth mounts them
 * or not (a service built from the repository keeps its image's files instead): what the service
 * expects to share with the others that mount the same volume.
 */
export function namedVolumeMounts(service: MapNode): Array<{ name: string; target: string; readOnly: boolean }> {
  const volumes = service.entries.get("volumes");
  if (volumes?.kind !== "seq") return [];
  return volumes.items.flatMap((item) => {
    const { type, source, target, readOnly } = parseVolume(item);
    return type === "volume" && source !== undefined && source !== "" ? [{ name: source, target, readOnly }] : [];
  });
}

/** The octal mode a tmpfs path gets (Docker's default 1777: anyone may write, as in /tmp). */
function tmpfsMode(written: string | number | boolean | null | undefined, at: Origin, findings: Findings): string {
  if (written === undefined || written === null) return "1777";
  // YAML reads `mode: 1770` as a decimal number; Compose means the octal digits written.
  const digits = String(written);
  if (/^0?[0-7]{3,4}$/.test(digits)) return digits.replace(/^0(?=\d{4})/, "");
  findings.error(at, `mode "${digits}" is not an octal file mode like 1777`);
  return "1777";
}

function normalizeLimits(service: MapNode, findings: Findings): ComposeService["limits"] {
  const limitsNode = entry(entry(entry(service, "deploy"), "resources"), "limits");
  const limits: { cpus?: number; memoryMiB?: number } = {};
  const cpuNodes = [entry(limitsNode, "cpus"), service.entries.get("cpus")];
  const memoryNodes = [entry(limitsNode, "memory"), service.entries.get("mem_limit")];
  const cpus = cpuNodes.map((node) => {
    if (node === undefined) return undefined;
    const value = parseNumber(scalarValue(node));
    if (value === undefined || value <= 0) findings.error(node.at, `"${textOf(node) ?? ""}" is not a number of CPUs (like 0.5)`);
    return value;
  });
  const memory = memoryNodes.map((node) => {
    if (node === undefined) return undefined;
    const v = scalarValue(node);
    const bytes = typeof v === "number" || typeof v === "string" ? parseBytes(v) : undefined;
    if (bytes === undefined || bytes <= 0) {
      findings.error(node.at, `"${textOf(node) ?? ""}" is not a memory size (like 512M or 1g)`);
      return undefined;
    }
    return Math.ceil(bytes / 1024 ** 2);
  });
  for (const [values, nodes, legacy] of [
    [cpus, cpuNodes, "cpus"],
    [memory, memoryNodes, "mem_limit"],
  ] as const) {
    if (values[0] !== undefined && values[1] !== undefined && values[0] !== values[1]) {
      findings.error(nodes[1]!.at, `${legacy} differs from deploy.resources.limits; keep one of them`);
    }
  }
  const cpuValue = cpus[0] ?? cpus[1];
  const memoryValue = memory[0] ?? memory[1];
  if (cpuValue !== undefined) limits.cpus = cpuValue;
  if (memoryValue !== undefined) limits.memoryMiB = memoryValue;
  return cpuValue === undefined && memoryValue === undefined ? undefined : limits;
}

function normalizeUlimits(node: ComposeNode | undefined, findings: Findings): ComposeService["ulimits"] {
  const out: ComposeService["ulimits"] = [];
  if (node?.kind !== "map") return out;
  for (const [name, value] of node.entries) {
    const soft = parseInteger(value.kind === "map" ? scalarValue(value.entries.get("soft")) : scalarValue(value));
    const hard = parseInteger(value.kind === "map" ? scalarValue(value.entries.get("hard")) : scalarValue(value));
    if (soft === undefined || hard === undefined) {
      findings.error(value.at, "must be a number or {soft, hard} numbers");
    } else if (name !== "nofile") {
      findings.warn("ulimit-ignored", value.at, "ignored: Fargate lets a task change only the nofile limit");
    } else out.push({ name, soft, hard });
  }
  return out;
}

function capabilities(node: ComposeNode | undefined): string[] {
  if (node?.kind !== "seq") return [];
  return node.items.map((item) => (textOf(item) ?? "").replace(/^CAP_/i, "").toUpperCase());
}
