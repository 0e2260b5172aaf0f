import { BerthError } from "../errors.js";
import { commitPlaceholder, sanitizeBranch } from "./resolve-image.js";

/** The placeholders an `environment` value in `.github/preview.yml` may use, in the order the docs list them. */
export const PREVIEW_PLACEHOLDERS = ["url", "host", "pr", "sha", "short_sha", "branch"] as const;

/** One of {@link PREVIEW_PLACEHOLDERS}. */
export type PreviewPlaceholder = (typeof PREVIEW_PLACEHOLDERS)[number];

/**
 * The compose interpolation variable berth supplies for each placeholder: `${PREVIEW_URL}` is
 * what `{url}` is. Only these names are added to what the repository's `.env` gives.
 */
export const PREVIEW_VARIABLES: Readonly<Record<PreviewPlaceholder, string>> = {
  url: "PREVIEW_URL",
  host: "PREVIEW_HOST",
  pr: "PREVIEW_PR",
  sha: "PREVIEW_SHA",
  short_sha: "PREVIEW_SHORT_SHA",
  branch: "PREVIEW_BRANCH",
};

/**
 * Stand-ins for the values known only when the preview deploys: the host name is
 * `<label>.<Domain>`, and the domain is the base stack's output, a template parameter. They travel
 * through interpolation and the config's placeholders as text and become CloudFormation
 * expressions when the container definition is rendered ({@link replaceDeployTimeValues}).
 * NUL never occurs in YAML text or in a value from `.env`, so no written text is mistaken for one.
 */
export const DEPLOY_TIME_VALUES = { url: "\u0000berth:url\u0000", host: "\u0000berth:host\u0000" } as const;

/** What each placeholder stands for in one pull request; `url` and `host` are deploy-time stand-ins. */
export type PreviewValues = Record<Exclude<PreviewPlaceholder, "branch">, string> & { branch?: string };

/** A `.github/preview.yml` value whose placeholders cannot be resolved. */
export class PlaceholderError extends BerthError {}

const PLACEHOLDER_LIST = `${PREVIEW_PLACEHOLDERS.slice(0, -1).map((p) => `{${p}}`).join(", ")} or {${PREVIEW_PLACEHOLDERS.at(-1)}}`;

/**
 * The placeholder values of one pull request: `{pr}`, `{sha}`, `{short_sha}` and `{branch}` as
 * image templates have them (the branch with every character outside `[A-Za-z0-9_.-]` made `-`,
 * absent when unknown), `{url}` and `{host}` as deploy-time stand-ins.
 */
export function previewValues(target: { pr: number; sha: string; branch?: string }): PreviewValues {
  return {
    url: DEPLOY_TIME_VALUES.url,
    host: DEPLOY_TIME_VALUES.host,
    pr: commitPlaceholder("pr", target)!,
    sha: commitPlaceholder("sha", target)!,
    short_sha: commitPlaceholder("short_sha", target)!,
    ...(target.branch === undefined ? {} : { branch: sanitizeBranch(target.branch) }),
  };
}

/**
 * The variables berth supplies to compose interpolation (`PREVIEW_URL`, `PREVIEW_HOST`,
 * `PREVIEW_PR`, `PREVIEW_SHA`, `PREVIEW_SHORT_SHA`, `PREVIEW_BRANCH`), by name; `PREVIEW_BRANCH`
 * only when the branch is known.
 */
export function previewVariables(values: PreviewValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const placeholder of PREVIEW_PLACEHOLDERS) {
    const value = values[placeholder];
    if (value !== undefined) out[PREVIEW_VARIABLES[placeholder]] = value;
  }
  return out;
}

/** The variable whose deploy-time value `text` holds (`PREVIEW_URL` or `PREVIEW_HOST`), if any. */
export function deployTimeVariable(text: string): string | undefined {
  if (!text.includes("\u0000")) return undefined;
  if (text.includes(DEPLOY_TIME_VALUES.url)) return PREVIEW_VARIABLES.url;
  if (text.includes(DEPLOY_TIME_VALUES.host)) return PREVIEW_VARIABLES.host;
  return undefined;
}

/** Puts the preview's real URL and host (or template expressions that give them) in place of the stand-ins. */
export function replaceDeployTimeValues(text: string, address: { url: string; host: string }): string {
  if (!text.includes("\u0000")) return text;
  return text.split(DEPLOY_TIME_VALUES.url).join(address.url).split(DEPLOY_TIME_VALUES.host).join(address.host);
}

type Part = { text: string } | { placeholder: string };

/**
 * Splits an `environment` value into text and placeholders. `{{` and `}}` are a literal `{` and
 * `}`, and `${...}` is kept as written; any other brace must belong to a `{name}`.
 */
function parseValue(value: string): { parts: Part[]; problems: string[] } {
  const parts: Part[] = [];
  const problems: string[] = [];
  let text = "";
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c === "$" && value[i + 1] === "{") {
      // `${NAME}` is a shell's or an application's own syntax, kept as written.
      const close = value.indexOf("}", i + 2);
      const end = close < 0 ? value.length : close + 1;
      text += value.slice(i, end);
      i = end;
    } else if ((c === "{" || c === "}") && value[i + 1] === c) {
      text += c;
      i += 2;
    } else if (c === "{") {
      const close = value.indexOf("}", i + 1);
      const inner = close < 0 ? undefined : value.slice(i + 1, close);
      if (inner === undefined || inner.includes("{")) {
        problems.push('"{" starts no placeholder; write a literal { as {{');
        text += c;
        i += 1;
        continue;
      }
      if (!(PREVIEW_PLACEHOLDERS as readonly string[]).includes(inner)) {
        problems.push(`unknown placeholder {${inner}}; use ${PLACEHOLDER_LIST}, and {{ or }} for a literal brace`);
      }
      if (text !== "") parts.push({ text });
      text = "";
      parts.push({ placeholder: inner });
      i = close + 1;
    } else if (c === "}") {
      problems.push('a single "}" closes no placeholder; write a literal } as }}');
      text += c;
      i += 1;
    } else {
      text += c;
      i += 1;
    }
  }
  if (text !== "") parts.push({ text });
  return { parts, problems: [...new Set(problems)] };
}

/**
 * What is wrong with an `environment` value as written in `.github/preview.yml`, one sentence per
 * problem (empty when it is fine): unknown placeholders, named, and lone braces.
 */
export function environmentValueProblems(value: string): string[] {
  return parseValue(value).problems;
}

/**
 * Resolves the placeholders of one `environment` value: `{url}` (`https://<host>`), `{host}`
 * (`<label>.<domain>`), `{pr}`, `{sha}`, `{short_sha}` and `{branch}`; `{{` and `}}` become `{` and
 * `}`. `{url}` and `{host}` resolve to deploy-time stand-ins. Throws PlaceholderError for a value
 * {@link environmentValueProblems} refuses, and for `{branch}` when the branch is not known.
 */
export function resolvePlaceholders(value: string, values: PreviewValues): string {
  const { parts, problems } = parseValue(value);
  if (problems.length > 0) throw new PlaceholderError(problems[0]!);
  return parts
    .map((part) => {
      if ("text" in part) return part.text;
      const resolved = values[part.placeholder as PreviewPlaceholder];
      if (resolved === undefined) throw new PlaceholderError(`{${part.placeholder}} is used but the branch is not known (berth plan takes it from --branch)`);
      return resolved;
    })
    .join("");
}
