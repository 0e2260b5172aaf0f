import path from "node:path";
import { normalizeRepoPath, type RepoReader } from "../util/repo-reader.js";
import { entry, type ComposeNode, type Findings, type Origin } from "./compose-node.js";
import type { ComposeFileMount, ComposeVolumeMount, MountedFile } from "./model.js";

/** The largest file berth mounts; mounted files travel in the stack template. */
export const MAX_MOUNTED_FILE_BYTES = 64 * 1024;
/** The most files one bind-mounted folder may hold. */
export const MAX_MOUNTED_FOLDER_FILES = 100;

/** Where a compose secret's value comes from when the repository does not hold it. */
export interface SecretParameters {
  /** Compose secret name -> SSM parameter or Secrets Manager secret (`compose_secrets` in .github/preview.yml). */
  byName: Readonly<Record<string, string>>;
  /** Variable -> SSM parameter or Secrets Manager secret (`secrets` in .github/preview.yml), for `environment:` sources. */
  byVariable: Readonly<Record<string, string>>;
}

/** What reading mounted files needs. */
export interface MountContext {
  reader: RepoReader;
  /** Variables of the repository's `.env` (and those berth supplies), for `KEY` entries without a value and `environment:` sources. Never process.env. */
  variables: (name: string) => string | undefined;
  /**
   * The directory relative paths written in `file` start from: the first compose file's for every
   * file listed under `compose` (Compose resolves an override's paths from the project directory),
   * the file's own for a file read through `extends`.
   */
  baseDir: (file: string) => string;
  /** Build contexts of the project's services built from the repository, by service. */
  buildContexts: ReadonlyMap<string, string>;
  /** The project's top-level `secrets` and `configs`. */
  definitions: { secrets?: ComposeNode | undefined; configs?: ComposeNode | undefined };
  secretParameters: SecretParameters;
  findings: Findings;
}

const scalarText = (node: ComposeNode | undefined): string | undefined =>
  node?.kind === "scalar" && node.value !== null ? String(node.value) : undefined;

/**
 * A service's `secrets` or `configs` as mounts, as Compose gives them: a secret at
 * `/run/secrets/<name>` (or its `target`), a config at `/<name>` (or its `target`), mode 0444 unless
 * the entry sets `mode`. The value comes from `compose_secrets` in .github/preview.yml (a secret
 * ECS reads at task start, never in the template), else the definition's `file` in the repository,
 * its `environment` variable (from .github/preview.yml `secrets`, else `.env`) or its `content`.
 */
export async function secretMounts(kind: "secrets" | "configs", node: ComposeNode | undefined, ctx: MountContext): Promise<ComposeFileMount[]> {
  if (node?.kind !== "seq") return [];
  const out: ComposeFileMount[] = [];
  for (const item of node.items) {
    const source = scalarText(item) ?? scalarText(entry(item, "source")) ?? "";
    const noun = kind === "secrets" ? "secret" : "config";
    const label = `${noun} "${source}"`;
    const definition = entry(ctx.definitions[kind], source);
    if (definition === undefined) {
      ctx.findings.error(item.at, `${label} is not declared under the top-level ${kind} key; declare it there`);
      continue;
    }
    const content = await secretContent(kind, source, definition, item.at, ctx);
    const target = secretTarget(kind, source, scalarText(entry(item, "target")));
    const mode = fileMode(entry(item, "mode"), "0444", ctx.findings);
    const uid = scalarText(entry(item, "uid"));
    const gid = scalarText(entry(item, "gid"));
    if (content === undefined || mode === undefined || !checkTarget(target, label, item.at, ctx.findings)) continue;
    const file: MountedFile = { path: "", content, mode, ...(uid === undefined ? {} : { uid }), ...(gid === undefined ? {} : { gid }) };
    out.push({ label, target, directory: false, readOnly: true, files: [file], ...lineOf(item.at) });
  }
  return out;
}

/** `/run/secrets/<name>` for a secret, `/<name>` for a config; a relative `target` goes under that directory. */
function secretTarget(kind: "secrets" | "configs", source: string, target: string | undefined): string {
  const dir = kind === "secrets" ? "/run/secrets" : "/";
  if (target === undefined || target === "") return path.posix.join(dir, source);
  return target.startsWith("/") ? path.posix.normalize(target) : path.posix.join(dir, target);
}

async function secretContent(
  kind: "secrets" | "configs",
  source: string,
  definition: ComposeNode,
  at: Origin,
  ctx: MountContext,
): Promise<MountedFile["content"] | undefined> {
  const noun = kind === "secrets" ? "secret" : "config";
  const label = `${noun} "${source}"`;
  const mapped = kind === "secrets" ? ctx.secretParameters.byName[source] : undefined;
  if (mapped !== undefined) return { parameter: mapped };
  const mapHint = kind === "secrets" ? `, or map the secret to an SSM parameter in .github/preview.yml: \`compose_secrets: {${source}: /<path>/${source}}\`` : "";
  const file = scalarText(entry(definition, "file"));
  const variable = scalarText(entry(definition, "environment"));
  const content = scalarText(entry(definition, "content"));
  if (file !== undefined) {
    const rel = normalizeRepoPath(path.posix.join(ctx.baseDir(definition.at.file), file));
    if (rel === undefined || file.startsWith("/")) {
      ctx.findings.error(at, `${label} reads ${file}, outside the repository; keep the file in the repository${mapHint}`);
      return undefined;
    }
    const listed = await ctx.reader.listFiles(rel);
    if (listed === undefined) {
      ctx.findings.error(at, `${label} reads ${file}, which is not in the repository at this commit; commit it${mapHint}`);
      return undefined;
    }
    if (listed.length !== 1 || listed[0]!.path !== rel) {
      ctx.findings.error(at, `${label} reads ${file}, which is a folder; a ${noun} is one file`);
      return undefined;
    }
    const text = await readText(ctx.reader, rel, listed[0]!.size, `${label} (${file})`, at, ctx.findings);
    return text === undefined ? undefined : { text };
  }
  if (variable !== undefined) {
    const parameter = ctx.secretParameters.byVariable[variable];
    if (parameter !== undefined) return { parameter };
    const value = ctx.variables(variable);
    if (value !== undefined) return { text: value };
    ctx.findings.error(
      at,
      `${label} takes its value from the variable ${variable}, which neither .env nor .github/preview.yml \`secrets\` gives; add ${variable} to \`secrets\` in .github/preview.yml (an SSM parameter)${mapHint}`,
    );
    return undefined;
  }
  if (content !== undefined && kind === "configs") return { text: content };
  const external = entry(definition, "external");
  const why = external !== undefined && scalarText(external) !== "false" ? "is external: it exists outside the compose file" : "has no file, environment or content";
  ctx.findings.error(at, `${label} ${why}${kind === "secrets" ? mapHint.replace(/^, or m/, "; m") : "; give it a file in the repository or content"}`);
  return undefined;
}

/**
 * A bind mount of `source` (as written) at `target`: what is in the repository at the pull
 * request's head appears there, read-only as declared. A path outside the repository, or inside
 * the build context of a service built from the repository (the image holds that code), is not
 * mounted, with a warning that says why; a path the repository does not have is not mounted either
 * (the image's content stays), except on a read-only service, which gets empty task storage there.
 */
export async function bindMount(
  written: { source: string; target: string; readOnly: boolean; at: Origin },
  service: { buildContext?: string; readOnlyRoot: boolean },
  ctx: MountContext,
): Promise<ComposeFileMount | ComposeVolumeMount | undefined> {
  const { source, target, readOnly, at } = written;
  const { findings } = ctx;
  const rel = /^[~/]|^[a-zA-Z]:[\\/]/.test(source) ? undefined : normalizeRepoPath(path.posix.join(ctx.baseDir(at.file), source));
  if (rel === undefined) {
    findings.warn("bind-mount-ignored", at, `host path ${source} not mounted: a Fargate task has no host files; only files in the repository can be mounted`);
    return undefined;
  }
  const context = service.buildContext;
  if (context !== undefined && within(rel, context)) {
    findings.warn("bind-mount-ignored", at, `host path ${source} not mounted: the image holds the code on Fargate`);
    return undefined;
  }
  // A folder holding another service's code (`./:/var/www` on the nginx in front of PHP): that code
  // is in the other service's image, and as a mount it would be the whole source tree.
  const builders = [...ctx.buildContexts].filter(([, other]) => within(other, rel)).map(([name]) => name);
  if (rel === "." || builders.length > 0) {
    const what =
      rel === "."
        ? "the whole repository, whose code on Fargate is in the images built from it"
        : `the code of ${builders.map((b) => `"${b}"`).join(", ")} (${builders.length === 1 ? "its" : "their"} build context), which on Fargate is in ${builders.length === 1 ? "that image" : "those images"}`;
    findings.warn(
      "bind-mount-ignored",
      at,
      `${source} not mounted at ${target}: it is ${what}, not beside this service; mount only the folders this service needs (like ./docker/nginx), or build what it serves into its image`,
    );
    return undefined;
  }
  const listed = await ctx.reader.listFiles(rel);
  if (listed === undefined) {
    if (service.readOnlyRoot) {
      findings.warn("bind-mount-empty", at, `${source} is not in the repository: ${target} is empty task storage, the one place this read-only service can write there`);
      return { target, readOnly };
    }
    findings.warn("bind-mount-ignored", at, `${source} is not in the repository, so nothing is mounted at ${target}: the path keeps the image's files, on task storage`);
    return undefined;
  }
  const directory = !(listed.length === 1 && listed[0]!.path === rel);
  if (!checkTarget(target, source, at, findings, directory)) return undefined;
  if (listed.length > MAX_MOUNTED_FOLDER_FILES) {
    findings.error(at, `${source} holds ${listed.length} files; berth mounts folders of up to ${MAX_MOUNTED_FOLDER_FILES} files (they travel in the stack template): build them into the image instead (COPY in its Dockerfile)`);
    return undefined;
  }
  const files: MountedFile[] = [];
  for (const found of listed) {
    const name = directory ? found.path.slice(rel === "." ? 0 : rel.length + 1) : "";
    const label = directory ? `${source}/${name}`.replace(/\/{2,}/g, "/") : source;
    const text = await readText(ctx.reader, found.path, found.size, label, at, findings);
    if (text === undefined) continue;
    // Git keeps one bit of a file's mode: executable or not. A read-only mount takes the write bits away.
    const mode = found.executable ? (readOnly ? "0555" : "0755") : readOnly ? "0444" : "0644";
    files.push({ path: name, content: { text }, mode });
  }
  return { label: source, target, directory, readOnly, files, ...lineOf(at) };
}

/** The text of a file to mount; an error for one too large or not text. */
async function readText(reader: RepoReader, file: string, size: number, label: string, at: Origin, findings: Findings): Promise<string | undefined> {
  if (size > MAX_MOUNTED_FILE_BYTES) {
    findings.error(
      at,
      `${label} is ${kib(size)} KiB; berth mounts files of up to ${kib(MAX_MOUNTED_FILE_BYTES)} KiB (they travel in the stack template): build it into the image instead (COPY in its Dockerfile)`,
    );
    return undefined;
  }
  const text = await reader.readFile(file);
  if (text === undefined) {
    findings.error(at, `${label} could not be read from the repository`);
    return undefined;
  }
  if (text.includes("\u0000") || text.includes("\uFFFD")) {
    findings.error(at, `${label} is not a text file; berth mounts text files only: build it into the image instead (COPY in its Dockerfile)`);
    return undefined;
  }
  return text;
}

/** A mount needs an absolute target in a directory of its own: Fargate mounts folders, never at `/`. */
function checkTarget(target: string, label: string, at: Origin, findings: Findings, directory = false): boolean {
  if (!target.startsWith("/")) {
    findings.error(at, `${label} goes to "${target}"; the path in the container must be absolute, like /etc/app/${path.posix.basename(target) || "file"}`);
    return false;
  }
  const normalized = path.posix.normalize(target);
  if (normalized === "/" || (!directory && path.posix.dirname(normalized) === "/")) {
    const name = path.posix.basename(normalized) || "files";
    findings.error(
      at,
      `${label} goes to ${normalized}, ${normalized === "/" ? "the root directory" : "in the root directory"}, where Fargate cannot mount a file: give it a target in a directory of its own (for example /etc/${name}/${name}) and point the application there`,
    );
    return false;
  }
  return true;
}

/**
 * The octal mode written. YAML 1.2 reads `0440` as the number 440, where Compose means the octal
 * digits written; a number that is not octal digits (`0o440` read as 288) is the mode itself.
 */
function fileMode(node: ComposeNode | undefined, fallback: string, findings: Findings): string | undefined {
  const written = scalarText(node);
  if (written === undefined) return fallback;
  if (/^0?[0-7]{3}$/.test(written)) return written.padStart(4, "0");
  if (/^0o[0-7]{3}$/i.test(written)) return `0${written.slice(2)}`;
  if (/^\d+$/.test(written) && Number(written) <= 0o777) return `0${Number(written).toString(8).padStart(3, "0")}`;
  findings.error(node!.at, `mode "${written}" is not an octal file mode like 0440`);
  return undefined;
}

function kib(bytes: number): string {
  return (bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1);
}

function lineOf(at: Origin): { file: string; line?: number } {
  return { file: at.file, ...(at.line === undefined ? {} : { line: at.line }) };
}

/** Whether repository path `file` is `folder` or lies under it (`.` holds everything). */
function within(file: string, folder: string): boolean {
  return folder === "." || file === folder || file.startsWith(`${folder}/`);
}
