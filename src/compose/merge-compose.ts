import { plain, scalarAt, type ComposeNode, type MapNode, type SeqNode } from "./compose-node.js";

/** Service keys whose list form (`KEY=VALUE`) is normalized to a mapping before merging. */
const KEY_VALUE_KEYS = new Set(["environment", "labels", "sysctls", "annotations", "extra_hosts"]);
/** Service keys that take a string or a list: a string is a list of one. */
const STRING_OR_LIST_KEYS = new Set(["dns", "dns_search", "tmpfs", "env_file", "label_file"]);
/** Service keys an override replaces as a whole instead of merging. */
const REPLACED_KEYS = new Set(["command", "entrypoint"]);

/**
 * Rewrites one service's short syntaxes into the long form that merging works on, as
 * compose-go does before it merges: `KEY=VALUE` lists become mappings, `depends_on` lists become
 * `{service: {condition: service_started}}`, `build: ctx` becomes `{context: ctx}`,
 * `extends: name` becomes `{service: name}` and single strings of list keys become lists.
 * Every synthesized value keeps the origin of what it was written as.
 */
export function canonicalService(service: MapNode): MapNode {
  const entries = new Map<string, ComposeNode>();
  for (const [key, value] of service.entries) {
    if (KEY_VALUE_KEYS.has(key)) entries.set(key, keyValueMap(value, key === "extra_hosts" ? /[=:]/ : /=/));
    else if (STRING_OR_LIST_KEYS.has(key) && value.kind === "scalar") entries.set(key, { kind: "seq", items: [value], at: value.at });
    else if (key === "depends_on" && value.kind === "seq") entries.set(key, dependsOnMap(value));
    else if ((key === "build" || key === "extends") && value.kind === "scalar") {
      const field = key === "build" ? "context" : "service";
      entries.set(key, { kind: "map", entries: new Map([[field, value]]), at: value.at });
    } else if (key === "build" && value.kind === "map") {
      const args = value.entries.get("args");
      const build = new Map(value.entries);
      if (args) build.set("args", keyValueMap(args, /=/));
      entries.set(key, { ...value, entries: build });
    } else entries.set(key, value);
  }
  return { ...service, entries };
}

/**
 * Merges an override service onto a base one, as `docker compose -f base -f override` and
 * `extends` do: mappings merge per key; `command`, `entrypoint` and `healthcheck.test` are
 * replaced; `environment`, `labels` (and other key/value lists) and `depends_on` merge by key;
 * `volumes`, `secrets` and `configs` merge by container target (a secret or config without one by
 * its source); `ports`, `expose` and other lists are appended without
 * duplicates; scalars are replaced. Both services must be canonical (see canonicalService).
 */
export function mergeService(base: MapNode, override: MapNode): MapNode {
  const entries = new Map(base.entries);
  for (const [key, value] of override.entries) {
    const existing = entries.get(key);
    if (existing === undefined || REPLACED_KEYS.has(key)) entries.set(key, value);
    else if (key === "healthcheck") entries.set(key, mergeNodes(existing, value, new Set(["test"])));
    else if (key === "volumes" && existing.kind === "seq" && value.kind === "seq") entries.set(key, mergeByTarget(existing, value, volumeTarget));
    else if ((key === "secrets" || key === "configs") && existing.kind === "seq" && value.kind === "seq") entries.set(key, mergeByTarget(existing, value, fileTarget));
    else entries.set(key, mergeNodes(existing, value));
  }
  return { ...override, entries };
}

/** Generic Compose merge: mappings per key, sequences appended without duplicates, anything else replaced. */
export function mergeNodes(base: ComposeNode, override: ComposeNode, replaced: ReadonlySet<string> = new Set()): ComposeNode {
  if (base.kind === "map" && override.kind === "map") {
    const entries = new Map(base.entries);
    for (const [key, value] of override.entries) {
      const existing = entries.get(key);
      entries.set(key, existing === undefined || replaced.has(key) ? value : mergeNodes(existing, value));
    }
    return { ...override, entries };
  }
  if (base.kind === "seq" && override.kind === "seq") {
    const seen = new Set(base.items.map((item) => JSON.stringify(plain(item))));
    const items = [...base.items];
    for (const item of override.items) {
      const key = JSON.stringify(plain(item));
      if (!seen.has(key)) {
        seen.add(key);
        items.push(item);
      }
    }
    return { ...override, items };
  }
  return override;
}

/** The container path of a `volumes` entry, short (`src:dst:mode`) or long form. */
export function volumeTarget(node: ComposeNode): string | undefined {
  if (node.kind === "map") {
    const target = node.entries.get("target");
    return target?.kind === "scalar" ? String(target.value) : undefined;
  }
  if (node.kind !== "scalar" || typeof node.value !== "string") return undefined;
  const parts = splitVolumeSpec(node.value);
  return parts.length === 1 ? parts[0] : parts[1];
}

/**
 * Splits a short volume spec on its `:` separators, keeping a Windows drive letter
 * (`C:\data:/data`) with its path.
 */
export function splitVolumeSpec(spec: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    const driveLetter = c === ":" && current.length === 1 && /[a-zA-Z]/.test(current) && /[\\/]/.test(spec[i + 1] ?? "");
    if (c === ":" && !driveLetter) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** Where a service's `secrets` or `configs` entry goes: its `target`, else its source (Compose's default path). */
function fileTarget(node: ComposeNode): string | undefined {
  const text = (n: ComposeNode | undefined) => (n?.kind === "scalar" && n.value !== null ? String(n.value) : undefined);
  return node.kind === "map" ? (text(node.entries.get("target")) ?? text(node.entries.get("source"))) : text(node);
}

function mergeByTarget(base: SeqNode, override: SeqNode, targetOf: (node: ComposeNode) => string | undefined): SeqNode {
  const items = [...base.items];
  for (const item of override.items) {
    const target = targetOf(item);
    const index = target === undefined ? -1 : items.findIndex((existing) => targetOf(existing) === target);
    if (index >= 0) items[index] = item;
    else items.push(item);
  }
  return { ...override, items };
}

function keyValueMap(node: ComposeNode, separator: RegExp): ComposeNode {
  if (node.kind !== "seq") return node;
  const entries = new Map<string, ComposeNode>();
  for (const item of node.items) {
    const text = item.kind === "scalar" && item.value !== null ? String(item.value) : "";
    const match = separator.exec(text);
    if (match === null) entries.set(text, scalarAt(null, item.at));
    else entries.set(text.slice(0, match.index), scalarAt(text.slice(match.index + 1), item.at));
  }
  return { kind: "map", entries, at: node.at };
}

function dependsOnMap(node: SeqNode): MapNode {
  const entries = new Map<string, ComposeNode>();
  for (const item of node.items) {
    const condition = scalarAt("service_started", item.at);
    entries.set(String(item.kind === "scalar" ? item.value : ""), {
      kind: "map",
      entries: new Map([["condition", condition]]),
      at: item.at,
    });
  }
  return { kind: "map", entries, at: node.at };
}
