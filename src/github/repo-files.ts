import type { Octokit } from "@octokit/core";
import type { RepoPermission, RepoRef } from "../preview/ports.js";
import { filesUnder, normalizeRepoPath, type RepoFile, type RepoReader } from "../util/repo-reader.js";
import { callGitHub, GitHubError, requireGitHub } from "./github-error.js";

/** Largest file berth reads (through the blob API beyond the contents API's 1 MB). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/**
 * Files of one repository at one commit through the contents API. Missing paths,
 * directories, submodules and symlinks that leave the repository read as undefined; files
 * above 1 MB come through the Git blob API. Listings come from the commit's Git tree, read once.
 * Reads are cached: a commit never changes.
 */
export function createRepoFileReader(octokit: Octokit, repo: RepoRef, sha: string): RepoReader {
  const { owner, repo: name } = repo;
  const cache = new Map<string, Promise<string | undefined>>();

  async function read(file: string): Promise<string | undefined> {
    const response = await callGitHub(`read ${file} at ${sha.slice(0, 7)}`, () =>
      octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner, repo: name, path: file, ref: sha }),
      [404],
    );
    if (response === undefined) return undefined;
    const entry = response.data;
    if (Array.isArray(entry) || entry.type !== "file" || !("content" in entry)) return undefined;
    if (entry.size > MAX_FILE_BYTES) {
      throw new GitHubError(`read ${file} at ${sha.slice(0, 7)}`, new Error(`the file is ${entry.size} bytes; berth reads files up to ${MAX_FILE_BYTES} bytes`));
    }
    // Above 1 MB the contents API leaves `content` empty (encoding "none"): fetch the blob.
    if (entry.encoding === "base64" && (entry.content !== "" || entry.size === 0)) return decodeBase64(entry.content);
    const blob = await requireGitHub(`read blob of ${file} at ${sha.slice(0, 7)}`, () =>
      octokit.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", { owner, repo: name, file_sha: entry.sha }),
    );
    return blob.data.encoding === "base64" ? decodeBase64(blob.data.content) : blob.data.content;
  }

  let tree: Promise<RepoFile[]> | undefined;
  async function readTree(): Promise<RepoFile[]> {
    const response = await requireGitHub(`list the files at ${sha.slice(0, 7)}`, () =>
      octokit.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", { owner, repo: name, tree_sha: sha, recursive: "1" }),
    );
    if (response.data.truncated) {
      throw new GitHubError(
        `list the files at ${sha.slice(0, 7)}`,
        new Error("the repository has more files than GitHub lists in one tree (100,000); mount single files rather than folders"),
      );
    }
    // Mode 100755 is an executable file; 120000 (symbolic link) and 160000 (submodule) are not files here.
    return response.data.tree
      .filter((entry) => entry.type === "blob" && (entry.mode === "100644" || entry.mode === "100755") && entry.path !== undefined)
      .map((entry) => ({ path: entry.path!, size: entry.size ?? 0, executable: entry.mode === "100755" }));
  }

  return {
    async listFiles(file) {
      if (tree === undefined) {
        tree = readTree();
        tree.catch(() => (tree = undefined));
      }
      return filesUnder(await tree, file);
    },
    readFile(file) {
      const rel = normalizeRepoPath(file);
      if (rel === undefined || rel === "." || rel === "") return Promise.resolve(undefined);
      let pending = cache.get(rel);
      if (pending === undefined) {
        pending = read(rel);
        cache.set(rel, pending);
        // A failed read may succeed later; only answers are cached.
        pending.catch(() => cache.delete(rel));
      }
      return pending;
    },
  };
}

function decodeBase64(content: string): string {
  return Buffer.from(content.replace(/\s+/g, ""), "base64").toString("utf8");
}

const ROLES: ReadonlySet<string> = new Set<RepoPermission>(["admin", "maintain", "write", "triage", "read", "none"]);

/**
 * The user's permission on the repository. `role_name` is the precise one ("maintain" and
 * "triage" exist only there); a custom role falls back to its base `permission`. A user
 * GitHub does not know (404) has no permission.
 */
export async function findPermission(octokit: Octokit, repo: RepoRef, user: string): Promise<RepoPermission> {
  const response = await callGitHub(`read the permission of ${user}`, () =>
    octokit.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", { owner: repo.owner, repo: repo.repo, username: user }),
    [404],
  );
  if (response === undefined) return "none";
  const { role_name: role, permission } = response.data;
  if (ROLES.has(role)) return role as RepoPermission;
  return ROLES.has(permission) ? (permission as RepoPermission) : "none";
}
