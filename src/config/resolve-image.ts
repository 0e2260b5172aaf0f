import { BerthError } from "../errors.js";

/** The placeholders an `image` template may use, in the order the docs list them. */
export const IMAGE_PLACEHOLDERS = ["sha", "short_sha", "pr", "branch", "service"] as const;

/** One of {@link IMAGE_PLACEHOLDERS}. */
export type ImagePlaceholder = (typeof IMAGE_PLACEHOLDERS)[number];

/** The values a template is resolved with, for one pull request and one compose service. */
export interface ImageVars {
  /** The full 40-character commit SHA of the pull request's head. */
  sha: string;
  /** The pull request number. */
  pr: number;
  /** The head branch; only needed when the template uses `{branch}`. */
  branch?: string;
  /** The compose service the image is for. */
  service: string;
}

/** An image template resolved to something that is not a valid `<registry>/<repository>:<tag>` reference. */
export class ImageReferenceError extends BerthError {}

const MAX_TAG = 128;
const PLACEHOLDER_LIST = `${IMAGE_PLACEHOLDERS.slice(0, -1).map((p) => `{${p}}`).join(", ")} or {${IMAGE_PLACEHOLDERS.at(-1)}}`;
const EXAMPLE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:{sha}";
const PLACEHOLDER = /\{([^{}]*)\}/g;
// The grammar of github.com/distribution/reference, without IPv6 registries and digests.
const HOST_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const PORT = /^[0-9]+$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
// Values that stand in for the real ones when a template is checked before any pull request exists.
const SAMPLE_VARS: ImageVars = { sha: "0123456789abcdef0123456789abcdef01234567", pr: 1, branch: "main", service: "web" };

/**
 * Resolves an `image` template for one service of one pull request: `{sha}`, `{short_sha}` (first 7
 * characters), `{pr}`, `{branch}` (characters outside `[A-Za-z0-9_.-]` become `-`, leading `.` and `-`
 * dropped, cut so that the whole tag fits in 128 characters) and `{service}`.
 * Throws ImageReferenceError when the template names an unknown placeholder, uses `{branch}` outside
 * the tag or without a branch, or when the result is not a valid `<registry>/<repository>:<tag>`.
 */
export function resolveImage(template: string, vars: ImageVars): string {
  const problem = templateProblems(template)[0];
  if (problem !== undefined) throw new ImageReferenceError(`image: ${problem}`);
  const reference = substituteAll(template, vars);
  const invalid = referenceProblem(template, reference, "resolved");
  if (invalid !== undefined) throw new ImageReferenceError(`image: ${invalid}`);
  return reference;
}

/**
 * What is wrong with an `image` template as written in the config, one sentence per problem (empty
 * when it is fine). Unknown placeholders are named; the structure is checked by resolving the template
 * with sample values.
 */
export function imageTemplateProblems(template: string): string[] {
  const problems = templateProblems(template);
  if (problems.length > 0) return problems;
  const invalid = referenceProblem(template, substituteAll(template, SAMPLE_VARS), "template");
  return invalid === undefined ? [] : [invalid];
}

/** Makes a branch name usable inside a Docker tag; the caller cuts it to length. */
export function sanitizeBranch(branch: string): string {
  return branch.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[.-]+/, "");
}

function templateProblems(template: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) {
    const placeholder = match[1] ?? "";
    if ((IMAGE_PLACEHOLDERS as readonly string[]).includes(placeholder) || seen.has(placeholder)) continue;
    seen.add(placeholder);
    problems.push(`unknown placeholder {${placeholder}}; use ${PLACEHOLDER_LIST}`);
  }
  if (problems.length === 0 && countPlaceholder(splitTemplate(template).name, "branch") > 0) {
    problems.push('{branch} may only appear in the tag, after the last ":"');
  }
  return problems;
}

/** Splits at the tag's `:`, the last one after the last `/` (placeholders contain neither). */
function splitTemplate(template: string): { name: string; tag?: string } {
  const colon = template.lastIndexOf(":");
  if (colon <= template.lastIndexOf("/")) return { name: template };
  return { name: template.slice(0, colon), tag: template.slice(colon + 1) };
}

/** Fills in every placeholder; `{branch}` is sanitized and cut so that the tag fits in 128 characters. */
function substituteAll(template: string, vars: ImageVars): string {
  const { name, tag } = splitTemplate(template);
  const resolvedName = substitute(name, vars, "");
  if (tag === undefined) return resolvedName;
  const branchCount = countPlaceholder(tag, "branch");
  let branch = "";
  if (branchCount > 0) {
    if (vars.branch === undefined) throw new ImageReferenceError("image: the template uses {branch} but the branch is not known (berth plan takes it from --branch)");
    const room = Math.max(0, Math.floor((MAX_TAG - substitute(tag, vars, "").length) / branchCount));
    branch = sanitizeBranch(vars.branch).slice(0, room);
  }
  return `${resolvedName}:${substitute(tag, vars, branch)}`;
}

function substitute(text: string, vars: ImageVars, branch: string): string {
  return text.replace(PLACEHOLDER, (whole, placeholder: string) => {
    if (placeholder === "branch") return branch;
    if (placeholder === "service") return vars.service;
    return commitPlaceholder(placeholder, vars) ?? whole;
  });
}

/**
 * The value of `{sha}`, `{short_sha}` (first 7 characters) or `{pr}` for a commit of a pull request;
 * undefined for any other placeholder. Shared by image templates and environment values.
 */
export function commitPlaceholder(placeholder: string, vars: { sha: string; pr: number }): string | undefined {
  switch (placeholder) {
    case "sha":
      return vars.sha;
    case "short_sha":
      return vars.sha.slice(0, 7);
    case "pr":
      return String(vars.pr);
    default:
      return undefined;
  }
}

function countPlaceholder(text: string, placeholder: ImagePlaceholder): number {
  return text.split(`{${placeholder}}`).length - 1;
}

/**
 * Why a resolved reference is not `<registry>/<repository>:<tag>`, or undefined when it is. In
 * "template" mode the message quotes the template as written (the resolved values are only samples);
 * in "resolved" mode it quotes the resolved part and, when they differ, the template part it came from.
 */
function referenceProblem(template: string, reference: string, mode: "template" | "resolved"): string | undefined {
  const expected = `expected <registry>/<repository>:<tag>, e.g. ${EXAMPLE}`;
  const actual = parts(reference);
  const written = parts(template);
  const quote = (resolved: string, asWritten: string) =>
    mode === "template" || resolved === asWritten ? `"${asWritten}"` : `"${resolved}" (from "${asWritten}")`;
  if (actual.registry === undefined) return `${quote(reference, template)} has no registry; ${expected}`;
  const [host = "", port] = actual.registry.split(":", 2);
  if (!host.split(".").every((part) => HOST_COMPONENT.test(part)) || (port !== undefined && !PORT.test(port))) {
    return `registry ${quote(actual.registry, written.registry ?? "")} is not a valid host name; ${expected}`;
  }
  if (actual.tag === undefined) return `${quote(reference, template)} has no tag; ${expected}`;
  if (!actual.repository.split("/").every((part) => PATH_COMPONENT.test(part))) {
    return `repository ${quote(actual.repository, written.repository)} is not valid: use lowercase letters and digits, separated by ".", "_", "-" or "/"`;
  }
  if (actual.tag.length > MAX_TAG) {
    const tag = quote(actual.tag, written.tag ?? "");
    return mode === "template"
      ? `tag ${tag} resolves to ${actual.tag.length} characters; a tag may have at most ${MAX_TAG}`
      : `tag ${tag} is ${actual.tag.length} characters long; a tag may have at most ${MAX_TAG}`;
  }
  if (!TAG.test(actual.tag)) {
    return `tag ${quote(actual.tag, written.tag ?? "")} is not valid: use letters, digits, "_", "." and "-", not starting with "." or "-"`;
  }
  return undefined;
}

/** Registry (undefined when the first component is not a host, as Docker decides), repository and tag. */
function parts(reference: string): { registry?: string; repository: string; tag?: string } {
  const { name, tag } = splitTemplate(reference);
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  const isRegistry = first.includes(".") || first.includes(":") || first === "localhost";
  if (!isRegistry) return { repository: name, tag };
  return { registry: first, repository: name.slice(slash + 1), tag };
}
