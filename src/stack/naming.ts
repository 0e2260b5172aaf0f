import { createHash } from "node:crypto";

/** The longest DNS label: a preview's hostname is `<label>.<domain>`. */
const MAX_LABEL = 63;
/** An owner part is cut to this length before the repository part is cut. */
const MIN_OWNER = 8;

/** Which pull request a name is for. */
export interface PreviewRef {
  owner: string;
  repo: string;
  pr: number;
}

/**
 * The DNS label of one pull request's preview: `<repo>-pr-<n>-<owner>-<hash6>`, lowercase
 * `[a-z0-9-]`, at most 63 characters. The hash (6 hex digits of `owner/repo`, lowercased) keeps
 * two repositories apart even when their names sanitize alike or are cut to the same prefix.
 */
export function previewLabel(ref: PreviewRef): string {
  if (!Number.isSafeInteger(ref.pr) || ref.pr < 1) throw new RangeError(`invalid pull request number ${ref.pr}`);
  const hash = createHash("sha256").update(`${ref.owner}/${ref.repo}`.toLowerCase()).digest("hex").slice(0, 6);
  let repo = sanitize(ref.repo);
  let owner = sanitize(ref.owner);
  const pr = `pr-${ref.pr}`;
  const join = (): string => [repo, pr, owner, hash].filter((part) => part !== "").join("-");
  let excess = join().length - MAX_LABEL;
  if (excess > 0) {
    // The owner is the less telling part of a preview's name: cut it first, down to a stub.
    const fromOwner = Math.min(excess, Math.max(0, owner.length - MIN_OWNER));
    owner = trimHyphens(owner.slice(0, owner.length - fromOwner));
    excess = join().length - MAX_LABEL;
  }
  if (excess > 0) {
    repo = trimHyphens(repo.slice(0, Math.max(0, repo.length - excess)));
    excess = join().length - MAX_LABEL;
  }
  if (excess > 0) owner = trimHyphens(owner.slice(0, Math.max(0, owner.length - excess)));
  return join();
}

/** The CloudFormation stack of a preview: `berth-<label>` (at most 69 characters, starts with a letter). */
export function stackName(label: string): string {
  return `berth-${label}`;
}

/** The preview's public hostname, `<label>.<domain>`. */
export function hostname(label: string, domain: string): string {
  return `${label}.${domain.toLowerCase().replace(/\.+$/, "")}`;
}

/**
 * Lowercases and turns every run of characters outside `[a-z0-9]` into one hyphen. Hyphen runs
 * collapse too: a label like `xn--...` would be read as punycode by browsers.
 */
function sanitize(text: string): string {
  return trimHyphens(text.toLowerCase().replace(/[^a-z0-9]+/g, "-"));
}

function trimHyphens(text: string): string {
  return text.replace(/^-+|-+$/g, "");
}

/** A compose service's ECS container name: letters, digits, hyphens and underscores. */
export function containerName(service: string): string {
  return service.replace(/[^A-Za-z0-9_-]/g, "-");
}
