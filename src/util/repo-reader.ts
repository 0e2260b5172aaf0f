import { readFile } from "node:fs/promises";
import path from "node:path";

/**
 * Read access to one repository at one commit. The engine reads config, compose files,
 * `.env` and `env_file`s only through this port, so the same code serves a checkout on
 * disk (`berth plan`) and the GitHub contents API (the app).
 */
export interface RepoReader {
  /** The file's text, or undefined when the path does not exist. Paths are repository-relative, `/`-separated. */
  readFile(file: string): Promise<string | undefined>;
}

/**
 * Normalizes a repository-relative path (resolving `.` and `..`) and refuses paths that
 * leave the repository. Returns undefined for an escaping or absolute path.
 */
export function normalizeRepoPath(file: string): string | undefined {
  if (file.startsWith("/") || /^[a-zA-Z]:[\\/]/.test(file)) return undefined;
  const normalized = path.posix.normalize(file.replace(/\\/g, "/"));
  if (normalized === ".." || normalized.startsWith("../")) return undefined;
  return normalized.replace(/^\.\//, "");
}

/** A RepoReader over a directory on disk. Refuses paths outside the directory. */
export function createDirReader(dir: string): RepoReader {
  const root = path.resolve(dir);
  return {
    async readFile(file) {
      const rel = normalizeRepoPath(file);
      if (rel === undefined) return undefined;
      try {
        return await readFile(path.join(root, rel), "utf8");
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return undefined;
        throw error;
      }
    },
  };
}

/** A RepoReader over an in-memory map of files; for tests and for the app's cached reads. */
export function createMemoryReader(files: Record<string, string>): RepoReader {
  return {
    async readFile(file) {
      const rel = normalizeRepoPath(file);
      return rel === undefined ? undefined : files[rel];
    },
  };
}
