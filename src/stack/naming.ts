import { createHash, createHmac } from "node:crypto";

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
 * The label of one pull request's stack: `<repo>-pr-<n>-<owner>-<hash6>`, lowercase `[a-z0-9-]`,
 * at most 63 characters. The hash (6 hex digits of `owner/repo`, lowercased) keeps two
 * repositories apart even when their names sanitize alike or are cut to the same prefix. Anyone
 * can compute it: the public host name uses previewHostLabel instead.
 */
export function previewLabel(ref: PreviewRef): string {
  assertPr(ref.pr);
  const hash = createHash("sha256").update(`${ref.owner}/${ref.repo}`.toLowerCase()).digest("hex").slice(0, 6);
  return fitLabel(ref, hash);
}

/** Characters of the host label's secret part: 16 of base32, 80 bits. */
export const HOST_SECRET_LENGTH = 16;
/**
 * The secret part of a host label rendered without the host key (`berth plan`): `0` is no base32
 * digit, so it never matches a keyed host, yet it keeps the label's length and characters.
 */
export const UNKEYED_HOST_SECRET = "0".repeat(HOST_SECRET_LENGTH);

/**
 * The DNS label of one pull request's public host name: `<repo>-pr-<n>-<owner>-<secret>`, lowercase
 * `[a-z0-9-]`, at most 63 characters. The secret is 16 base32 characters (80 bits) of an HMAC-SHA256
 * over `owner/repo#n` (lowercased) keyed with the operator's host key: the same pull request gets
 * the same host on every deploy, and nobody without the key can derive one from a repository's
 * name. Without a key (`undefined`, for an offline plan) the secret part is UNKEYED_HOST_SECRET.
 */
export function previewHostLabel(ref: PreviewRef, key: string | undefined): string {
  assertPr(ref.pr);
  if (key === undefined) return fitLabel(ref, UNKEYED_HOST_SECRET);
  if (key.length === 0) throw new RangeError("the host key is empty");
  const mac = createHmac("sha256", key).update(`${ref.owner}/${ref.repo}#${ref.pr}`.toLowerCase()).digest();
  return fitLabel(ref, base32(mac).slice(0, HOST_SECRET_LENGTH));
}

function assertPr(pr: number): void {
  if (!Number.isSafeInteger(pr) || pr < 1) throw new RangeError(`invalid pull request number ${pr}`);
}

/** `<repo>-pr-<n>-<owner>-<suffix>` within 63 characters: the owner is cut first, down to a stub, then the repository. */
function fitLabel(ref: PreviewRef, suffix: string): string {
  let repo = sanitize(ref.repo);
  let owner = sanitize(ref.owner);
  const pr = `pr-${ref.pr}`;
  const join = (): string => [repo, pr, owner, suffix].filter((part) => part !== "").join("-");
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

/** RFC 4648 base32 in lowercase, without padding: DNS-safe and case-insensitive like a host name. */
function base32(bytes: Uint8Array): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  return out;
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
