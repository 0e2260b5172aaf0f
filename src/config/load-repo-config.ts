import { InputError } from "../errors.js";
import type { RepoReader } from "../util/repo-reader.js";
import { parseYamlSource, type KeyPath } from "../util/yaml-source.js";
import { parseRepoConfig } from "./parse-repo-config.js";
import type { RepoConfig } from "./schema.js";

/** Where berth looks for the repository config, in order of preference. */
export const REPO_CONFIG_FILES = [".github/preview.yml", ".github/preview.yaml"] as const;

/** A validated repository config together with where it came from, for later messages about it. */
export interface RepoConfigSource {
  config: RepoConfig;
  /** `.github/preview.yml` or `.github/preview.yaml`. */
  file: string;
  /** The file's text as read. */
  text: string;
  /** 1-based line of a key path in the file (or of its nearest existing ancestor). */
  lineOf(path: KeyPath): number | undefined;
}

/**
 * Reads and validates the repository config. Returns undefined when the repository has none
 * (previews are off); throws InputError when the file is invalid or when both
 * `.github/preview.yml` and `.github/preview.yaml` exist.
 */
export async function loadRepoConfig(reader: RepoReader): Promise<RepoConfig | undefined> {
  return (await loadRepoConfigSource(reader))?.config;
}

/**
 * loadRepoConfig that also says which file it read and on which line each key stands, so that
 * later checks (the compose project against the config) can point at the config's lines.
 */
export async function loadRepoConfigSource(reader: RepoReader): Promise<RepoConfigSource | undefined> {
  const [yml, yaml] = REPO_CONFIG_FILES;
  const [ymlText, yamlText] = await Promise.all([reader.readFile(yml), reader.readFile(yaml)]);
  if (ymlText !== undefined && yamlText !== undefined) {
    throw new InputError([{ file: yaml, path: "", message: `${yml} exists too; keep only one of the two files` }]);
  }
  const file = ymlText !== undefined ? yml : yaml;
  const text = ymlText ?? yamlText;
  if (text === undefined) return undefined;
  const source = parseYamlSource(file, text);
  return { config: parseRepoConfig(source), file, text, lineOf: source.lineOf };
}
