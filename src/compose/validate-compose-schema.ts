import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { Diagnostic } from "../errors.js";
import { formatKeyPath, type KeyPath, type YamlSource } from "../util/yaml-source.js";
import composeSpec from "./compose-spec.json" with { type: "json" };

// ajv-formats is CommonJS with a `default` export; under NodeNext the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

let validator: ValidateFunction | undefined;

function compile(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    // The spec names its draft by an https URL ajv does not know; ajv's default dialect is that draft-07.
    const { $schema: _draft, ...schema } = composeSpec;
    validator = ajv.compile(schema);
  }
  return validator;
}

/**
 * Validates one compose file's data (after interpolation) against the official Compose
 * Specification JSON Schema (draft-07; `x-` extension keys allowed) and returns one
 * diagnostic per offending key, e.g. `docker-compose.yml:7: services.web.ports[0]: must be ...`.
 */
export function validateComposeSchema(source: YamlSource, value: unknown): Diagnostic[] {
  const formatOne = formatOneServices(value);
  if (formatOne.length > 0) {
    const names = formatOne.slice(0, 3).map((name) => `"${name}"`).join(", ");
    const path: KeyPath = [formatOne[0]!];
    return [
      {
        file: source.file,
        line: source.lineOf(path),
        path: formatKeyPath(path),
        message: `${formatKeyPath(path)}: this file is written in Compose file format 1 (services such as ${names} at the top level), which Docker Compose no longer reads; indent the services under a top-level services: key`,
      },
    ];
  }
  const validate = compile();
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // A failure deeper down explains its ancestors' (oneOf, anyOf) failures: keep the deepest.
  const deepest = errors.filter(
    (e) => !errors.some((o) => o !== e && o.instancePath.startsWith(`${e.instancePath}/`)),
  );
  const byPath = new Map<string, ErrorObject[]>();
  for (const error of deepest) {
    const key = error.instancePath + (error.keyword === "additionalProperties" ? `/${escapePointer(additional(error))}` : "");
    byPath.set(key, [...(byPath.get(key) ?? []), error]);
  }
  const diagnostics: Diagnostic[] = [];
  for (const [pointer, group] of byPath) {
    const path = toKeyPath(pointer, value);
    const shown = formatKeyPath(path);
    const message =
      path.length === 2 && ["services", "volumes", "networks", "secrets", "configs"].includes(String(path[0])) && group[0]?.keyword === "additionalProperties"
        ? `invalid name "${String(path[1])}": use only letters, digits, ".", "_" and "-"`
        : describe(group);
    diagnostics.push({
      file: source.file,
      line: source.lineOf(path),
      path: shown,
      message: shown === "" ? message : `${shown}: ${message}`,
    });
  }
  return diagnostics;
}

/**
 * The top-level keys of a file without `services` that are services themselves (a mapping with
 * `image` or `build`), as Compose file format 1 wrote them; empty for any other file.
 */
function formatOneServices(value: unknown): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value) || "services" in value) return [];
  const topLevel = new Set(Object.keys(composeSpec.properties));
  return Object.entries(value as Record<string, unknown>)
    .filter(([key, item]) => !topLevel.has(key) && !key.startsWith("x-") && item !== null && typeof item === "object" && ("image" in item || "build" in item))
    .map(([key]) => key);
}

function describe(errors: ErrorObject[]): string {
  const unknown = errors.find((e) => e.keyword === "additionalProperties");
  if (unknown) return `unknown key "${additional(unknown)}" (not in the Compose specification)`;
  const types = errors.filter((e) => e.keyword === "type");
  if (types.length > 0 && types.length === errors.filter((e) => e.keyword !== "oneOf" && e.keyword !== "anyOf").length) {
    const names = [...new Set(types.flatMap((e) => [e.params.type as string | string[]].flat()))];
    return `must be ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`}`;
  }
  const specific = errors.find((e) => e.keyword !== "oneOf" && e.keyword !== "anyOf" && e.keyword !== "type") ?? errors[0]!;
  switch (specific.keyword) {
    case "enum":
      return `must be one of ${(specific.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "required":
      return `missing required key "${specific.params.missingProperty as string}"`;
    case "pattern":
      return `must match the pattern ${specific.params.pattern as string}`;
    case "uniqueItems":
      return `must not repeat items (items ${specific.params.j as number} and ${specific.params.i as number} are the same)`;
    case "oneOf":
      return "matches none or more than one of the allowed forms";
    default:
      return specific.message ?? "is not valid";
  }
}

function additional(error: ErrorObject): string {
  return error.params.additionalProperty as string;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function toKeyPath(pointer: string, value: unknown): KeyPath {
  const path: Array<string | number> = [];
  let node = value;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      path.push(Number(key));
      node = node[Number(key)];
    } else {
      path.push(key);
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return path;
}
