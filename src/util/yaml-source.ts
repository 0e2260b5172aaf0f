import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
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
 * Parses YAML text and keeps line positions. Syntax errors become an InputError whose
 * diagnostics name the file and line. Duplicate keys are errors, as in Docker Compose.
 */
export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    const diagnostics: Diagnostic[] = doc.errors.map((e) => ({
      file,
      line: e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line,
      path: "",
      message: `invalid YAML: ${firstLine(e.message)}`,
    }));
    throw new InputError(diagnostics);
  }
  const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  return {
    file,
    value: value ?? null,
    lineOf: (path) => lineOfPath(doc, lineCounter, path),
  };
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}

function lineOfPath(doc: Document, counter: LineCounter, path: KeyPath): number | undefined {
  let node: unknown = doc.contents;
  let line = lineOfNode(node, counter);
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
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

function lineOfNode(node: unknown, counter: LineCounter): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? counter.linePos(range[0]).line : undefined;
}
