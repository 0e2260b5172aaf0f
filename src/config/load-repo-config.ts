import { InputError } from "../errors.js";
import type { RepoReader } from "../util/repo-reader.js";
import { parseYamlSource } from "../util/yaml-source.js";
import { parseRepoConfig } from "./parse-repo-config.js";
import type { RepoConfig } from "./schema.js";

/** Where berth looks for the repository config, in order of preference. */
export const REPO_CONFIG_FILES = [".github/preview.yml", ".github/preview.yaml"] as const;

/**
 * Reads and validates the repository config. Returns undefined when the repository has none
 * (previews are off); throws InputError when the file is invalid or when both
 * `.github/preview.yml` and `.github/preview.yaml` exist.
 */
export async function loadRepoConfig(reader: RepoReader): Promise<RepoConfig | undefined> {
  const [yml, yaml] = REPO_CONFIG_FILES;
  const [ymlText, yamlText] = await Promise.all([reader.readFile(yml), reader.readFile(yaml)]);
  if (ymlText !== undefined && yamlText !== undefined) {
    throw new InputError([{ file: yaml, path: "", message: `${yml} exists too; keep only one of the two files` }]);
  }
  const file = ymlText !== undefined ? yml : yaml;
  const text = ymlText ?? yamlText;
  if (text === undefined) return undefined;
  return parseRepoConfig(parseYamlSource(file, text));
}
