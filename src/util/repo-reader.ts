import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** One file of a repository, as a listing gives it. */
export interface RepoFile {
  /** Repository-relative, `/`-separated. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** Git mode 100755: the file is a program or script. */
  executable: boolean;
}

/**
 * Read access to one repository at one commit. The engine reads config, compose files,
 * `.env`, `env_file`s and the files a compose file mounts only through this port, so the same
 * code serves a checkout on disk (`berth plan`) and the GitHub API (the app).
 */
export interface RepoReader {
  /** The file's text, or undefined when the path does not exist. Paths are repository-relative, `/`-separated. */
  readFile(file: string): Promise<string | undefined>;
  /**
   * The files at `file`: the file itself, or every file under a directory (recursively, sorted by
   * path); undefined when nothing is there. Symbolic links and submodules are not listed.
   */
  listFiles(file: string): Promise<RepoFile[] | undefined>;
}

/**
 * Normalizes a repository-relative path (resolving `.` and `..`) and refuses paths that
 * leave the repository. Returns undefined for an escaping or absolute path.
 */
export function normalizeRepoPath(file: string): string | undefined {
  if (file.startsWith("/") || /^[a-zA-Z]:[\\/]/.test(file)) return undefined;
  const normalized = path.posix.normalize(file.replace(/\\/g, "/"));
  if (normalized === ".." || normalized.startsWith("../")) return undefined;
  return normalized.replace(/^\.\//, "").replace(/\/$/, "") || ".";
}

/** The entries of a full listing that lie at or under `file` (`.` for the whole repository). */
export function filesUnder(all: readonly RepoFile[], file: string): RepoFile[] | undefined {
  const rel = normalizeRepoPath(file);
  if (rel === undefined) return undefined;
  const found = rel === "." ? [...all] : all.filter((f) => f.path === rel || f.path.startsWith(`${rel}/`));
  return found.length > 0 ? found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) : undefined;
}

/** A RepoReader over a directory on disk. Refuses paths outside the directory. */
export function createDirReader(dir: string): RepoReader {
  const root = path.resolve(dir);
  const walk = async (rel: string): Promise<RepoFile[]> => {
    const stats = await lstat(path.join(root, rel));
    if (stats.isFile()) return [{ path: rel, size: stats.size, executable: (stats.mode & 0o100) !== 0 }];
    if (!stats.isDirectory() || path.posix.basename(rel) === ".git") return [];
    const names = (await readdir(path.join(root, rel))).sort();
    const nested = await Promise.all(names.map((name) => walk(rel === "." ? name : `${rel}/${name}`)));
    return nested.flat();
  };
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
    async listFiles(file) {
      const rel = normalizeRepoPath(file);
      if (rel === undefined) return undefined;
      try {
        const found = await walk(rel);
        return found.length > 0 ? found : undefined;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return undefined;
        throw error;
      }
    },
  };
}

/**
 * A RepoReader over an in-memory map of files; for tests and for the app's cached reads.
 * `executable` lists the paths that have Git's executable mode.
 */
export function createMemoryReader(files: Record<string, string>, options: { executable?: readonly string[] } = {}): RepoReader {
  const executable = new Set(options.executable ?? []);
  const all = (): RepoFile[] =>
    Object.entries(files).map(([file, text]) => ({ path: file, size: Buffer.byteLength(text), executable: executable.has(file) }));
  return {
    async readFile(file) {
      const rel = normalizeRepoPath(file);
      return rel === undefined ? undefined : files[rel];
    },
    async listFiles(file) {
      return filesUnder(all(), file);
    },
  };
}
