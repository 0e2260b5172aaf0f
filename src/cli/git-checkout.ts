import { execFile } from "node:child_process";
import { realpath } from "node:fs/promises";
import { promisify } from "node:util";

/** What a checkout tells about itself: the GitHub repository of its remote, HEAD's commit and branch. */
export interface CheckoutFacts {
  /** `owner/name` from the remote's URL, when the remote is on GitHub. */
  repo?: string;
  sha?: string;
  branch?: string;
}

const run = promisify(execFile);

async function git(dir: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run("git", ["-C", dir, ...args], { timeout: 5_000 });
    return stdout.trim() || undefined;
  } catch {
    // Not a checkout, no such remote, no commit yet, or no git at all: the flag is then required.
    return undefined;
  }
}

/**
 * `owner/name` of a GitHub remote URL in any of the forms git accepts: `git@github.com:o/r.git`,
 * `ssh://git@github.com/o/r`, `https://github.com/o/r.git`. Undefined for other hosts.
 */
export function githubRepoOf(url: string): string | undefined {
  const match = /^(?:[a-z+]+:\/\/)?(?:[^@/]+@)?github\.com[:/]([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/i.exec(url.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/**
 * Reads the defaults of `--repo`, `--sha` and `--branch` from the checkout at `dir` (the `origin`
 * remote). Only a checkout's top folder counts: berth reads `.github/preview.yml` from DIR, so a DIR
 * inside another repository's checkout (a fixture, a vendored copy) is not that repository.
 */
export async function readCheckout(dir: string): Promise<CheckoutFacts> {
  const top = await git(dir, ["rev-parse", "--show-toplevel"]);
  if (top === undefined || !(await sameFolder(top, dir))) return {};
  const [remote, sha, branch] = await Promise.all([
    git(dir, ["remote", "get-url", "origin"]),
    git(dir, ["rev-parse", "--verify", "--quiet", "HEAD"]),
    git(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]),
  ]);
  const repo = remote === undefined ? undefined : githubRepoOf(remote);
  return { ...(repo ? { repo } : {}), ...(sha ? { sha } : {}), ...(branch ? { branch } : {}) };
}

async function sameFolder(a: string, b: string): Promise<boolean> {
  const [ra, rb] = await Promise.all([realpath(a).catch(() => a), realpath(b).catch(() => b)]);
  return ra === rb;
}
