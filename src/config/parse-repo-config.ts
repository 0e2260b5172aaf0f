import { z } from "zod";
import { InputError, type Diagnostic } from "../errors.js";
import { formatKeyPath, type KeyPath, type YamlSource } from "../util/yaml-source.js";
import { configHints, RepoConfigSchema, type RepoConfig } from "./schema.js";

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;
type Schema = z.core.$ZodType;

/** A located problem before it becomes a Diagnostic: key path inside the file and message text. */
interface Problem {
  path: KeyPath;
  /** Text after `key.path: `. */
  text: string;
}

const EXPECTED_TOP = "a mapping of keys such as image, service and release";

/**
 * Validates a parsed `.github/preview.yml` against RepoConfigSchema and applies the defaults.
 * Throws InputError with one diagnostic per problem, in file order, each naming the line and
 * key path (`port: expected an integer from 1 to 65535, got "web"`). Never falls back to a default
 * for a bad value. Secret values are never repeated in a message.
 */
export function parseRepoConfig(source: YamlSource): RepoConfig {
  const { file, value } = source;
  if (value === null) {
    throw new InputError([{ file, path: "", message: `the file is empty; expected ${EXPECTED_TOP}` }]);
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InputError([{ file, line: source.lineOf([]), path: "", message: `expected ${EXPECTED_TOP}, got ${describeValue(value)}` }]);
  }
  // Known keys of each object that reported unknown ones, by key path; filled by the error map.
  const knownKeys = new Map<string, string[]>();
  const result = RepoConfigSchema.safeParse(value, { error: (issue) => explainIssue(issue, knownKeys) });
  if (result.success) return result.data;

  const problems = result.error.issues.flatMap((issue) => toProblems(issue, [], knownKeys));
  const diagnostics = problems
    .map((problem, index) => ({ index, diagnostic: toDiagnostic(source, problem) }))
    .sort((a, b) => (a.diagnostic.line ?? Infinity) - (b.diagnostic.line ?? Infinity) || a.index - b.index)
    .map(({ diagnostic }) => diagnostic);
  throw new InputError(diagnostics);
}

function toDiagnostic(source: YamlSource, problem: Problem): Diagnostic {
  const path = formatKeyPath(problem.path);
  return {
    file: source.file,
    line: source.lineOf(problem.path),
    path,
    message: path === "" ? problem.text : `${path}: ${problem.text}`,
  };
}

/** Turns a final zod issue into problems: one per unknown key, and the matching branch of a union. */
function toProblems(issue: Issue, prefix: KeyPath, knownKeys: Map<string, string[]>): Problem[] {
  const path = [...prefix, ...toKeyPath(issue.path)];
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys.get(formatKeyPath(path)) ?? [];
    return issue.keys.map((key) => ({ path: [...path, key], text: unknownKeyText(key, known) }));
  }
  if (issue.code === "invalid_union") {
    // A branch whose issues all lie deeper than the union accepted the value's shape (a list, say);
    // when exactly one did, its issues say precisely which item is wrong.
    const deeper = issue.errors.filter((branch) => branch.length > 0 && branch.every((inner) => inner.path.length > 0));
    if (deeper.length === 1) return deeper[0]!.flatMap((inner) => toProblems(inner, path, knownKeys));
  }
  return [{ path, text: issue.message }];
}

function toKeyPath(path: readonly PropertyKey[]): KeyPath {
  return path.map((part) => (typeof part === "symbol" ? String(part) : part));
}

function unknownKeyText(key: string, known: string[]): string {
  const suggestion = closestKey(key, known);
  if (suggestion !== undefined) return `unknown key (did you mean "${suggestion}"?)`;
  return known.length > 0 ? `unknown key; allowed keys: ${known.join(", ")}` : "unknown key";
}

/**
 * The error map for RepoConfigSchema: every message says what the key accepts and what it got,
 * except for sensitive values, which are never repeated.
 */
function explainIssue(issue: RawIssue, knownKeys: Map<string, string[]>): string {
  const schema = (issue.schema ?? issue.inst) as Schema | undefined;
  if (issue.code === "unrecognized_keys") {
    if (schema instanceof z.ZodObject) knownKeys.set(formatKeyPath(toKeyPath(issue.path ?? [])), Object.keys(schema.shape));
    return "unknown key";
  }
  if (issue.code === "invalid_key" && schema instanceof z.ZodRecord) {
    return `invalid key; expected ${describeSchema(schema._zod.def.keyType)}`;
  }
  const expected = schema === undefined ? "a valid value" : describeSchema(schema);
  if (issue.input === undefined) return `missing; expected ${expected}`;
  if (schema !== undefined && configHints.get(schema)?.sensitive) return `expected ${expected}; a plain value is never accepted`;
  return `expected ${expected}, got ${describeValue(issue.input)}`;
}

/** What a schema accepts, in words: its hint when it has one, else derived from its type and checks. */
function describeSchema(schema: Schema): string {
  const hint = configHints.get(schema)?.expected;
  if (hint !== undefined) return hint;
  const def = schema._zod.def;
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
      return describeSchema((def as z.core.$ZodOptionalDef).innerType);
    case "pipe":
      return describeSchema((def as z.core.$ZodPipeDef).in);
    case "boolean":
      return "true or false";
    case "string":
      return (schema as z.ZodString).minLength ? "a non-empty string" : "a string";
    case "number":
      return describeNumber(schema as z.ZodNumber);
    case "enum":
      return orList((schema as z.ZodEnum).options.map((option) => JSON.stringify(option)));
    case "array": {
      const element = describeSchema((def as z.core.$ZodArrayDef).element).replace(/^an? (.*)$/, "$1s");
      return `a ${minItems(schema) > 0 ? "non-empty " : ""}list of ${element}`;
    }
    case "object": {
      const keys = Object.keys((schema as z.ZodObject).shape);
      return keys.length === 1 ? `a mapping with the key ${keys[0]}` : `a mapping with the keys ${keys.join(", ")}`;
    }
    case "record":
      return "a mapping";
    case "union":
      return orList((def as z.core.$ZodUnionDef).options.map(describeSchema));
    default:
      return "a valid value";
  }
}

function describeNumber(schema: z.ZodNumber): string {
  const noun = schema.isInt ? "integer" : "number";
  const min = schema.minValue !== null && schema.minValue > Number.MIN_SAFE_INTEGER ? schema.minValue : undefined;
  const max = schema.maxValue !== null && schema.maxValue < Number.MAX_SAFE_INTEGER ? schema.maxValue : undefined;
  if (min !== undefined && max !== undefined) return `an ${noun} from ${min} to ${max}`;
  if (min === 1 && schema.isInt) return "a positive integer";
  if (min !== undefined) return `an ${noun} of at least ${min}`;
  if (max !== undefined) return `an ${noun} of at most ${max}`;
  return `an ${noun}`;
}

function minItems(schema: Schema): number {
  let min = 0;
  for (const check of schema._zod.def.checks ?? []) {
    const def = check._zod.def as { check: string; minimum?: number };
    if (def.check === "min_length" && def.minimum !== undefined) min = Math.max(min, def.minimum);
  }
  return min;
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** A value as a message may show it: scalars quoted, collections by kind, long strings cut. */
function describeValue(value: unknown): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

/** The known key nearest to `key` by edit distance, when near enough to be a typo. */
function closestKey(key: string, known: string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { key: candidate, distance };
  }
  return best !== undefined && best.distance <= 2 && best.distance < key.length / 2 ? best.key : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
