import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document, type Node } from "yaml";
import { InputError, type Diagnostic } from "../errors.js";

/** A key path into a parsed YAML document: map keys and sequence indexes. */
export type KeyPath = ReadonlyArray<string | number>;

/** A YAML file parsed to plain data, which can still say on which line each key stands. */
export interface YamlSource {
  file: string;
  /** The document as plain JavaScript data (no anchors, no custom tags). */
  value: unknown;
  /** 1-based line of the node at `path`, or of its nearest existing ancestor. */
  lineOf(path: KeyPath): number | undefined;
  /**
   * Where Compose's merge tags stand: `!reset` (the value is left out of `value`; the key is to be
   * removed from what earlier files set) and `!override` (the value replaces what earlier files
   * set instead of merging with it).
   */
  mergeTags?: { reset: KeyPath[]; override: KeyPath[] };
}

/** Renders `["services", "web", "ports", 0]` as `services.web.ports[0]`. */
export function formatKeyPath(path: KeyPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

/**
 * The most values a document may hold once its aliases are expanded. Real compose files with
 * dozens of services sharing anchors expand to a few thousand; an alias bomb to billions.
 */
export const MAX_EXPANDED_VALUES = 200_000;

/**
 * Parses YAML text and keeps line positions. Syntax errors become an InputError whose
 * diagnostics name the file and line. Duplicate keys are errors, as in Docker Compose. Anchors,
 * aliases and merge keys (`<<: *base`, `<<: [*a, *b]`) are expanded however often they are used;
 * what cannot be expanded (an alias without its anchor, an alias inside its own anchor, a merge of
 * something that is not a mapping, more than MAX_EXPANDED_VALUES values) is an error on its line.
 */
export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    const diagnostics: Diagnostic[] = doc.errors.map((e) => ({
      file,
      line: e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line,
      path: "",
      message: `invalid YAML: ${e.code === "MULTIPLE_DOCS" ? "the file holds several YAML documents (separated by ---); keep one" : firstLine(e.message)}`,
    }));
    throw new InputError(diagnostics);
  }
  const { problem, targets } = checkAliases(doc, lineCounter);
  if (problem) throw new InputError([{ file, line: problem.line, path: "", message: `invalid YAML: ${problem.message}` }]);
  let value: unknown;
  try {
    // Sizes are bounded by checkAliases, which also reports where a bomb is; no alias count limit.
    value = doc.toJS({ maxAliasCount: -1 }) as unknown;
  } catch (error) {
    // The checks above cover what toJS refuses; a message beats a stack trace should one slip by.
    throw new InputError([{ file, line: 1, path: "", message: `invalid YAML: ${firstLine(error instanceof Error ? error.message : String(error))}` }]);
  }
  const mergeTags = findMergeTags(doc.contents, targets);
  for (const path of [...mergeTags.reset].reverse()) value = withoutPath(value, path);
  return {
    file,
    value: value ?? null,
    lineOf: (path) => lineOfPath(doc, lineCounter, targets, path),
    ...(mergeTags.reset.length + mergeTags.override.length > 0 ? { mergeTags } : {}),
  };
}

/** The paths of the values tagged `!reset` and `!override`, in document order (aliases followed, merge keys not). */
function findMergeTags(root: unknown, targets: AliasTargets): { reset: KeyPath[]; override: KeyPath[] } {
  const found = { reset: [] as KeyPath[], override: [] as KeyPath[] };
  const walk = (node: unknown, path: KeyPath, depth: number): void => {
    const resolved = isAlias(node) ? targets.get(node) : node;
    if (resolved === undefined || resolved === null || depth > 64) return;
    const tag = (resolved as Node).tag;
    if (tag === "!reset") return void found.reset.push(path);
    if (tag === "!override") found.override.push(path);
    if (isMap(resolved)) {
      for (const pair of resolved.items) {
        if (isScalar(pair.key) && !isMergeKey(pair.key)) walk(pair.value, [...path, String(pair.key.value)], depth + 1);
      }
    } else if (isSeq(resolved)) resolved.items.forEach((item, i) => walk(item, [...path, i], depth + 1));
  };
  walk(root, [], 0);
  return found;
}

/** `value` without what stands at `path` (a key removed, a list item spliced out); shared data is copied, never changed. */
function withoutPath(value: unknown, path: KeyPath): unknown {
  if (path.length === 0) return null;
  const [head, ...rest] = path;
  if (Array.isArray(value) && typeof head === "number" && head < value.length) {
    return rest.length === 0 ? value.filter((_, i) => i !== head) : value.map((item, i) => (i === head ? withoutPath(item, rest) : item));
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.hasOwn(value, String(head))) {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    if (rest.length === 0) delete copy[String(head)];
    else copy[String(head)] = withoutPath(copy[String(head)], rest);
    return copy;
  }
  return value;
}

/** The node each alias stands for: the last node with its anchor before it. */
type AliasTargets = Map<Alias, Node | undefined>;

interface AliasProblem {
  line: number | undefined;
  message: string;
}

/** Resolves every alias once, in document order, and measures what the document expands to. */
function checkAliases(doc: Document, counter: LineCounter): { problem?: AliasProblem; targets: AliasTargets } {
  const anchors = new Map<string, Node>();
  const targets: AliasTargets = new Map();
  let problem: AliasProblem | undefined;
  const report = (node: unknown, message: string): void => {
    problem ??= { line: lineOfNode(node, counter), message };
  };
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor) anchors.set(node.anchor, node);
    },
    Pair(_key, pair) {
      if (pair.key !== null && !isScalar(pair.key)) report(pair.key, "a key must be a plain value, not a list or mapping");
    },
  });
  for (const [alias, target] of targets) {
    if (target === undefined) report(alias, `*${alias.source} refers to no anchor &${alias.source} defined before it`);
  }
  if (problem) return { problem, targets };

  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  let largest: { alias: Alias; size: number } | undefined;
  const sizeOf = (node: unknown): number => {
    if (problem) return 0;
    if (isAlias(node)) {
      const target = targets.get(node);
      if (open.has(target)) {
        report(node, `*${node.source} is inside the anchor &${node.source} it refers to; a value cannot contain itself`);
        return 0;
      }
      const size = sizeOf(target);
      if (!largest || size > largest.size) largest = { alias: node, size };
      return size;
    }
    const known = sizes.get(node);
    if (known !== undefined) return known;
    open.add(node);
    let size = 1;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isMergeKey(pair.key)) checkMergeSource(pair.value, targets, report);
        size += sizeOf(pair.key) + sizeOf(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) size += sizeOf(item);
    }
    open.delete(node);
    sizes.set(node, size);
    return size;
  };
  const total = sizeOf(doc.contents);
  if (problem) return { problem, targets };
  if (total > MAX_EXPANDED_VALUES && largest) {
    const problem = {
      line: lineOfNode(largest.alias, counter),
      message: `the aliases expand the file to more than ${MAX_EXPANDED_VALUES.toLocaleString("en-US")} values (*${largest.alias.source} alone to ${largest.size.toLocaleString("en-US")}); use fewer nested aliases`,
    };
    return { problem, targets };
  }
  return { targets };
}

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  return key.value === "<<" || (typeof key.value === "symbol" && key.value.description === "<<");
}

/** `<<` takes a mapping, an alias of one, or a list of those. */
function checkMergeSource(value: unknown, targets: AliasTargets, report: (node: unknown, message: string) => void): void {
  const sources = isSeq(value) ? value.items : [value];
  for (const source of sources) {
    const resolved = isAlias(source) ? targets.get(source) : source;
    if (!isMap(resolved)) report(source, "<< merges mappings: give it an alias of a mapping (<<: *base) or a list of them");
  }
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}

function lineOfPath(doc: Document, counter: LineCounter, targets: AliasTargets, path: KeyPath): number | undefined {
  let node: unknown = doc.contents;
  let line = lineOfNode(node, counter);
  for (const part of path) {
    // A value written as an alias is found in its anchor, where the text stands.
    if (isAlias(node)) node = targets.get(node);
    if (isMap(node)) {
      const pair = findPair(node.items, String(part), targets);
      if (!pair) return line;
      line = lineOfNode(pair.key, counter) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof part === "number") {
      const item = node.items[part];
      if (item === undefined) return line;
      line = lineOfNode(item, counter) ?? line;
      node = item;
    } else {
      return line;
    }
  }
  return line;
}

/** The pair for `key` in a mapping's own keys, else in what it merges (`<<`), earlier sources first. */
function findPair(items: ReadonlyArray<{ key: unknown; value: unknown }>, key: string, targets: AliasTargets, depth = 0): { key: unknown; value: unknown } | undefined {
  const own = items.find((p) => isScalar(p.key) && !isMergeKey(p.key) && String(p.key.value) === key);
  if (own || depth > 20) return own;
  for (const pair of items) {
    if (!isMergeKey(pair.key)) continue;
    for (const source of isSeq(pair.value) ? pair.value.items : [pair.value]) {
      const map = isAlias(source) ? targets.get(source) : source;
      const found = isMap(map) ? findPair(map.items, key, targets, depth + 1) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

function lineOfNode(node: unknown, counter: LineCounter): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? counter.linePos(range[0]).line : undefined;
}
