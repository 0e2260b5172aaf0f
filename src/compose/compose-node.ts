import type { Diagnostic, Warning } from "../errors.js";
import { formatKeyPath, type KeyPath, type YamlSource } from "../util/yaml-source.js";

/** Where a value was written: file, key path inside it and line. Survives merges and `extends`. */
export interface Origin {
  file: string;
  path: KeyPath;
  line?: number;
}

/** A scalar value of a compose file, with its origin. */
export interface ScalarNode {
  kind: "scalar";
  value: string | number | boolean | null;
  at: Origin;
}
/** A mapping, in file order. */
export interface MapNode {
  kind: "map";
  entries: Map<string, ComposeNode>;
  at: Origin;
}
/** A sequence. */
export interface SeqNode {
  kind: "seq";
  items: ComposeNode[];
  at: Origin;
}
/** Compose data in which every value remembers the file and line it came from. */
export type ComposeNode = ScalarNode | MapNode | SeqNode;

/** Builds the node tree for plain YAML data of `source` (already interpolated). */
export function toComposeNode(source: YamlSource, value: unknown, path: KeyPath = []): ComposeNode {
  const at: Origin = { file: source.file, path, line: source.lineOf(path) };
  if (Array.isArray(value)) {
    return { kind: "seq", items: value.map((item, i) => toComposeNode(source, item, [...path, i])), at };
  }
  if (value !== null && typeof value === "object") {
    const entries = new Map<string, ComposeNode>();
    for (const [key, item] of Object.entries(value)) entries.set(key, toComposeNode(source, item, [...path, key]));
    return { kind: "map", entries, at };
  }
  const scalar = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : null;
  return { kind: "scalar", value: scalar, at };
}

/** The plain data of a node (what `docker compose config` would print for it). */
export function plain(node: ComposeNode): unknown {
  switch (node.kind) {
    case "scalar":
      return node.value;
    case "seq":
      return node.items.map(plain);
    case "map":
      return Object.fromEntries([...node.entries].map(([k, v]) => [k, plain(v)]));
  }
}

/** A scalar node at `at`, for values berth synthesizes while normalizing short syntax. */
export function scalarAt(value: ScalarNode["value"], at: Origin): ScalarNode {
  return { kind: "scalar", value, at };
}

/** The entry `key` of a map node, if the node is a map and has it. */
export function entry(node: ComposeNode | undefined, key: string): ComposeNode | undefined {
  return node?.kind === "map" ? node.entries.get(key) : undefined;
}

/** Collects what is wrong and what was changed, so that one run reports every problem at once. */
export class Findings {
  readonly diagnostics: Diagnostic[] = [];
  readonly warnings: Warning[] = [];

  /** Records an error at `at`: the message reads `key.path: what is wrong`. */
  error(at: Origin, message: string): void {
    this.diagnostics.push({ file: at.file, line: at.line, path: formatKeyPath(at.path), message: located(at, message) });
  }

  /** Records a warning with a stable kebab-case code. */
  warn(code: string, at: Origin, message: string): void {
    this.warnings.push({ code, file: at.file, line: at.line, message: located(at, message) });
  }
}

function located(at: Origin, message: string): string {
  const path = formatKeyPath(at.path);
  return path === "" ? message : `${path}: ${message}`;
}
