import type { ComposeService } from "../compose/model.js";
import type { Diagnostic } from "../errors.js";
import type { KeyPath } from "../util/yaml-source.js";
import { formatKeyPath } from "../util/yaml-source.js";

/** The repository config file, as diagnostics name it. */
export const CONFIG_FILE = ".github/preview.yml";

/** Finds the line of a key in `.github/preview.yml`, when the caller still has the parsed file. */
export type ConfigLineOf = (path: KeyPath) => number | undefined;

/** A problem in `.github/preview.yml` at `path`; the message reads `key.path: what is wrong`. */
export function configDiagnostic(path: KeyPath, problem: string, lineOf?: ConfigLineOf): Diagnostic {
  const key = formatKeyPath(path);
  const line = lineOf?.(path);
  return { file: CONFIG_FILE, ...(line === undefined ? {} : { line }), path: key, message: `${key}: ${problem}` };
}

/** A problem in the compose file under `services.<name>.<rest>`, located at the service's line. */
export function composeDiagnostic(service: Pick<ComposeService, "name" | "file" | "line">, rest: KeyPath, problem: string): Diagnostic {
  const key = formatKeyPath(["services", service.name, ...rest]);
  return {
    file: service.file,
    ...(service.line === undefined ? {} : { line: service.line }),
    path: key,
    message: `${key}: ${problem}`,
  };
}
