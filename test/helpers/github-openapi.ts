import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import nock from "nock";
import { afterEach } from "vitest";

/**
 * Checks requests against GitHub's own OpenAPI description (`@octokit/openapi`): the method
 * and path must name a documented operation, query parameters must be declared by it, and a
 * JSON body must satisfy its requestBody schema. The description is OpenAPI 3.0, so
 * `nullable: true` is rewritten to JSON Schema before ajv sees it.
 */

interface Operation {
  template: string;
  literalSegments: number;
  pattern: RegExp;
  operation: OpenApiOperation;
}

interface OpenApiOperation {
  operationId?: string;
  parameters?: Array<{ $ref?: string; name?: string; in?: string }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
}

interface Spec {
  paths: Record<string, Record<string, OpenApiOperation>>;
  /** The webhook payloads GitHub sends, by event and action (`pull-request-edited`). */
  "x-webhooks": Record<string, { post: OpenApiOperation }>;
  components: { parameters: Record<string, { name: string; in: string }> } & Record<string, unknown>;
}

const SPEC_ID = "https://api.github.com/openapi.json";
const METHODS = ["get", "put", "post", "patch", "delete"];

let loaded: { spec: Spec; operations: Map<string, Operation[]>; ajv: Ajv } | undefined;
const validators = new Map<string, ValidateFunction>();

function load(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const file = createRequire(import.meta.url).resolve("@octokit/openapi/generated/api.github.com.json");
  const spec = JSON.parse(readFileSync(file, "utf8")) as Spec;
  const operations = new Map<string, Operation[]>();
  for (const [template, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const segments = template.split("/");
      const pattern = new RegExp(
        `^${segments.map((s) => (/^\{.+\}$/.test(s) ? "[^/]+" : s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("/")}$`,
      );
      const list = operations.get(method) ?? [];
      list.push({ template, literalSegments: segments.filter((s) => !s.startsWith("{")).length, pattern, operation });
      operations.set(method, list);
    }
  }
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateSchema: false });
  (addFormatsModule as unknown as (a: Ajv) => Ajv)(ajv);
  // Only components are needed as a schema: request bodies reference into them.
  ajv.addSchema({ $id: SPEC_ID, components: { schemas: normalizeNullable(spec.components.schemas) } }, undefined, undefined, false);
  loaded = { spec, operations, ajv };
  return loaded;
}

/**
 * Rewrites OpenAPI 3.0 `nullable: true` into JSON Schema: `type: "x"` becomes
 * `type: ["x", "null"]` (and null joins an `enum`); a nullable schema without `type`
 * (a `$ref`, `allOf`, ...) becomes `anyOf: [schema, { type: "null" }]`. Local `$ref`s are
 * pointed at the components schema registered with ajv.
 */
export function normalizeNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalizeNullable);
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "example" || key === "examples" || key === "description") continue;
    if (key === "$ref" && typeof value === "string" && value.startsWith("#/")) out.$ref = `${SPEC_ID}${value}`;
    else if (key === "properties" && typeof value === "object" && value !== null) {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeNullable(v)]));
    } else out[key] = normalizeNullable(value);
  }
  if (out.nullable !== true) return out;
  delete out.nullable;
  if (typeof out.type === "string") {
    out.type = [out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: "null" }] };
}

/** The documented operation for a method and a concrete path (or a path template); the most specific wins. */
function findOperation(method: string, path: string): Operation | undefined {
  const candidates = (load().operations.get(method.toLowerCase()) ?? []).filter(
    (op) => op.template === path || op.pattern.test(path),
  );
  return candidates.sort((a, b) => b.literalSegments - a.literalSegments)[0];
}

function bodyValidator(op: Operation, method: string): ValidateFunction | undefined {
  const key = `${method} ${op.template}`;
  const cached = validators.get(key);
  if (cached) return cached;
  const schema = op.operation.requestBody?.content?.["application/json"]?.schema;
  if (schema === undefined) return undefined;
  const validate = load().ajv.compile(normalizeNullable(schema) as object);
  validators.set(key, validate);
  return validate;
}

function queryParameterNames(op: Operation): Set<string> {
  const { components } = load().spec;
  const names = new Set<string>();
  for (const p of op.operation.parameters ?? []) {
    const param = p.$ref ? components.parameters[p.$ref.split("/").pop() ?? ""] : p;
    if (param?.in === "query" && param.name) names.add(param.name);
  }
  return names;
}

/**
 * Problems with one request as GitHub's OpenAPI description sees it; empty when valid.
 * `url` is a path with an optional query (`/repos/o/r/deployments?page=2`) or a full URL.
 */
export function findGitHubRequestProblems(method: string, url: string, body?: unknown): string[] {
  const parsed = new URL(url, "https://api.github.com");
  const path = decodeURIComponent(parsed.pathname.replace(/%2F/gi, "%252F"));
  const op = findOperation(method, path);
  const where = `${method.toUpperCase()} ${parsed.pathname}`;
  if (!op) return [`${where}: no such operation in GitHub's OpenAPI description`];
  const problems: string[] = [];
  const declared = queryParameterNames(op);
  for (const name of parsed.searchParams.keys()) {
    if (!declared.has(name)) problems.push(`${where}: query parameter "${name}" is not declared by ${op.operation.operationId}`);
  }
  const validate = bodyValidator(op, method.toLowerCase());
  const empty = body === undefined || body === "" || body === null;
  if (!validate) {
    if (!empty) problems.push(`${where}: ${op.operation.operationId} takes no JSON body`);
    return problems;
  }
  const value = typeof body === "string" ? (JSON.parse(body) as unknown) : (body ?? {});
  if (!validate(value)) {
    for (const e of validate.errors ?? []) {
      problems.push(`${where}: body${e.instancePath || ""} ${e.message ?? "is invalid"}${e.params && "allowedValues" in e.params ? ` (${(e.params.allowedValues as unknown[]).join(", ")})` : ""}`);
    }
  }
  return problems;
}

/**
 * Problems with a webhook payload as GitHub's OpenAPI description of its webhooks sees it (`key`
 * names the event and action as the description does: `pull-request-edited`, `ping`); empty when valid.
 */
export function findWebhookPayloadProblems(key: string, payload: unknown): string[] {
  let validate = validators.get(`webhook ${key}`);
  if (!validate) {
    const schema = load().spec["x-webhooks"][key]?.post.requestBody?.content?.["application/json"]?.schema;
    if (schema === undefined) return [`${key}: no such webhook in GitHub's OpenAPI description`];
    validate = load().ajv.compile(normalizeNullable(schema) as object);
    validators.set(`webhook ${key}`, validate);
  }
  if (validate(payload)) return [];
  return (validate.errors ?? []).map((e) => `${key}: payload${e.instancePath || ""} ${e.message ?? "is invalid"}`);
}

interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  nullable?: boolean;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
}

function resolveSchema(node: SchemaNode | undefined): SchemaNode | undefined {
  let current = node;
  while (current?.$ref) current = current.$ref.split("/").slice(1).reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], load().spec) as SchemaNode;
  return current;
}

/** The shapes a schema may take, `allOf` merged and `anyOf`/`oneOf` spread; a `null` alternative is left out. */
function shapesOf(node: SchemaNode | undefined): SchemaNode[] {
  const schema = resolveSchema(node);
  if (!schema || schema.type === "null") return [];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.flatMap(shapesOf);
  if (!schema.allOf) return [schema];
  const merged: SchemaNode = { properties: { ...schema.properties }, required: [...(schema.required ?? [])] };
  for (const part of schema.allOf.flatMap(shapesOf)) {
    Object.assign(merged.properties!, part.properties);
    merged.required!.push(...(part.required ?? []));
  }
  return [merged];
}

function mayBeNull(node: SchemaNode | undefined): boolean {
  const schema = resolveSchema(node);
  if (!schema) return false;
  if (schema.nullable === true || schema.type === "null" || (Array.isArray(schema.type) && schema.type.includes("null"))) return true;
  return [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].some(mayBeNull);
}

/**
 * Where a field of a webhook payload may be missing, by GitHub's OpenAPI description of webhooks:
 * every step of `path` (`pull_request.head.repo.id`; `[]` steps into an array's items) that the
 * description lets be absent (not required) or null, as the path up to it. Throws when the
 * description has no such field.
 */
export function findAbsentSteps(key: string, path: string): Array<{ at: string; absent: "optional" | "nullable" }> {
  let node = load().spec["x-webhooks"][key]?.post.requestBody?.content?.["application/json"]?.schema as SchemaNode | undefined;
  if (node === undefined) throw new Error(`${key}: no such webhook in GitHub's OpenAPI description`);
  const steps: Array<{ at: string; absent: "optional" | "nullable" }> = [];
  const done: string[] = [];
  for (const step of path.split(".")) {
    done.push(step);
    const shapes = shapesOf(node);
    if (step === "[]") {
      node = shapes.find((shape) => shape.items)?.items;
    } else {
      const holding = shapes.filter((shape) => shape.properties && step in shape.properties);
      if (holding.length === 0) throw new Error(`${key}: ${done.join(".")} is not in GitHub's OpenAPI description`);
      node = holding[0]!.properties![step];
      if (holding.length < shapes.length || holding.some((shape) => !(shape.required ?? []).includes(step))) steps.push({ at: done.join("."), absent: "optional" });
      if (holding.some((shape) => mayBeNull(shape.properties![step]))) steps.push({ at: done.join("."), absent: "nullable" });
    }
    if (node === undefined) throw new Error(`${key}: ${done.join(".")} has no items in GitHub's OpenAPI description`);
  }
  return steps;
}

/** Throws, listing every problem, unless the request is valid for GitHub's REST API. */
export function expectValidGitHubRequest(method: string, url: string, body?: unknown): void {
  const problems = findGitHubRequestProblems(method, url, body);
  if (problems.length > 0) throw new Error(`request does not match GitHub's OpenAPI description:\n${problems.join("\n")}`);
}

const recorded: string[] = [];

/** Returns and forgets the problems found in requests intercepted by `githubApi()` scopes. */
export function takeGitHubRequestProblems(): string[] {
  return recorded.splice(0);
}

/**
 * A nock scope on api.github.com that checks every request it intercepts against the
 * OpenAPI description. Problems are collected (an exception inside nock would surface as
 * an unrelated network error) and reported by the afterEach of `useGitHubApiChecks`.
 */
export function githubApi(): nock.Scope {
  const scope = nock("https://api.github.com");
  scope.on("request", (req: { method?: string; path?: string }, _interceptor: unknown, body: string) => {
    recorded.push(...findGitHubRequestProblems(req.method ?? "GET", req.path ?? "/", body));
  });
  return scope;
}

/**
 * Registers an afterEach that fails the test when a request did not match the OpenAPI
 * description or a mocked request was never made, then clears all mocks. Call it once at
 * the top of a test file that uses `githubApi()`.
 */
export function useGitHubApiChecks(): void {
  afterEach(() => {
    const problems = takeGitHubRequestProblems();
    const pending = nock.pendingMocks();
    nock.cleanAll();
    if (problems.length > 0) throw new Error(`requests do not match GitHub's OpenAPI description:\n${problems.join("\n")}`);
    if (pending.length > 0) throw new Error(`mocked GitHub requests never made:\n${pending.join("\n")}`);
  });
}
