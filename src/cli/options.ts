import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Where the CLI writes; injectable for tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stdout is a terminal (a person reads it); default false. */
  isTTY?: boolean;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Thrown for bad usage: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {}

/**
 * parseArgs, strict, with an unknown option answered by the options the command knows, and
 * `--help` recognised whatever else the line holds.
 */
export function parseCommandLine<T extends Options>(args: string[], options: T, allowPositionals: boolean) {
  const withHelp = { ...options, help: { type: "boolean", short: "h" } } as const;
  try {
    return parseArgs({ args, options: withHelp, allowPositionals, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    const known = Object.keys(options).map((name) => `--${name}`);
    throw new UsageError(/unknown option/i.test(message) ? `${message}; known options: ${[...known, "--help"].join(", ")}` : message);
  }
}

/** berth's version, from the package.json of the installed package (found above this file). */
export function berthVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "berth" && pkg.version) return pkg.version;
    } catch {
      // No package.json here: look one folder up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
}
