import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadCompose } from "../../src/compose/load-compose.js";
import { NESTED_KEYS } from "../../src/compose/nested-keys.js";
import { InputError } from "../../src/errors.js";
import { createMemoryReader } from "../../src/util/repo-reader.js";

type Schema = { items?: Schema; properties?: Record<string, Schema>; oneOf?: Schema[]; anyOf?: Schema[]; type?: string; $ref?: string; patternProperties?: Record<string, Schema> };
const spec = JSON.parse(readFileSync(new URL("../../src/compose/compose-spec.json", import.meta.url), "utf8")) as {
  definitions: Record<string, Schema> & { service: { properties: Record<string, Schema> } };
};
const service = spec.definitions.service.properties;
const objectForm = (schema: Schema): Schema => (schema.oneOf ?? schema.anyOf ?? [schema]).find((s) => s.type === "object" || s.properties)!;
const resolve = (schema: Schema): Schema => (schema.$ref ? spec.definitions[schema.$ref.replace("#/definitions/", "")]! : schema);
const propertiesOf = (schema: Schema): string[] => Object.keys(objectForm(resolve(schema)).properties ?? {}).sort();

const volumeItem = objectForm(resolve(service.volumes!.items!));
const deploy = resolve(service.deploy!);
/** Each nested object of a service, where the official schema defines its keys. */
const schemaObjects: Record<string, string[]> = {
  ports: propertiesOf(objectForm(resolve(service.ports!.items!))),
  volumes: propertiesOf(volumeItem),
  "volumes.volume": propertiesOf(volumeItem.properties!.volume!),
  "volumes.tmpfs": propertiesOf(volumeItem.properties!.tmpfs!),
  healthcheck: propertiesOf(service.healthcheck!),
  depends_on: propertiesOf(Object.values(objectForm(service.depends_on!).patternProperties!)[0]!),
  networks: propertiesOf(Object.values(objectForm(service.networks!).patternProperties!)[0]!),
  deploy: propertiesOf(deploy),
  "deploy.resources": propertiesOf(objectForm(deploy).properties!.resources!),
  "deploy.resources.limits": propertiesOf(objectForm(objectForm(deploy).properties!.resources!).properties!.limits!),
  "deploy.resources.reservations": propertiesOf(objectForm(objectForm(deploy).properties!.resources!).properties!.reservations!),
  build: propertiesOf(service.build!),
};

describe("every key of a service's nested objects in the Compose schema has a decision", () => {
  it("knows the objects the schema defines", () => {
    expect(Object.keys(NESTED_KEYS).sort()).toEqual(Object.keys(schemaObjects).sort());
  });

  it.each(Object.keys(schemaObjects))("%s: every key of the schema is in the table, and nothing else", (kind) => {
    expect(Object.keys(NESTED_KEYS[kind]!).sort()).toEqual(schemaObjects[kind]);
  });
});

/** A service `svc` using `key` with `value` inside an object of `kind`. */
const samples: Record<string, (key: string, value: unknown) => Record<string, unknown>> = {
  ports: (key, value) => ({ ports: [{ target: 80, [key]: value }] }),
  volumes: (key, value) => ({ volumes: [{ type: "volume", source: "data", target: "/data", [key]: value }] }),
  "volumes.volume": (key, value) => ({ volumes: [{ type: "volume", source: "data", target: "/data", volume: { [key]: value } }] }),
  "volumes.tmpfs": (key, value) => ({ volumes: [{ type: "tmpfs", target: "/tmp", tmpfs: { [key]: value } }] }),
  healthcheck: (key, value) => ({ healthcheck: { test: ["CMD", "true"], [key]: value } }),
  depends_on: (key, value) => ({ depends_on: { db: { condition: "service_started", [key]: value } } }),
  networks: (key, value) => ({ networks: { default: { [key]: value } } }),
  deploy: (key, value) => ({ deploy: { [key]: value } }),
  "deploy.resources.limits": (key, value) => ({ deploy: { resources: { limits: { [key]: value } } } }),
};
const values: Record<string, unknown> = {
  bind: { propagation: "rprivate" }, host_ip: "127.0.0.1", name: "web", app_protocol: "http", mode: "host", consistency: "cached", nocopy: true, labels: { a: "b" }, subpath: "sub",
  size: 1048576, start_interval: "5s", restart: true, aliases: ["api"], endpoint_mode: "vip", rollback_config: { parallelism: 1 },
  update_config: { parallelism: 1 }, restart_policy: { condition: "on-failure" }, placement: { constraints: ["node.role==manager"] }, pids: 100,
};
const cases = Object.entries(samples).flatMap(([kind, sample]) =>
  Object.entries(NESTED_KEYS[kind]!)
    .filter(([, rule]) => "warning" in rule || ("outcome" in rule && rule.outcome === "refused"))
    .map(([key, rule]) => ({ name: `${kind}.${key}`, key, rule, compose: sample(key, key === "mode" && kind === "deploy" ? "replicated" : values[key]) })),
);

describe("nested keys berth cannot translate are named, never dropped", () => {
  it.each(cases)("$name", async ({ key, rule, compose }) => {
    const text = stringify({
      services: { svc: { image: "alpine", ...compose }, db: { image: "postgres" } },
      volumes: { data: {} },
    });
    const outcome = await loadCompose(createMemoryReader({ "compose.yaml": text })).then(
      (project) => ({ project }),
      (error: unknown) => ({ error }),
    );
    if ("outcome" in rule) {
      expect("error" in outcome && outcome.error instanceof InputError && outcome.error.message).toContain(key);
      return;
    }
    expect("project" in outcome).toBe(true);
    const project = "project" in outcome ? outcome.project : undefined;
    const named = project!.warnings.filter((w) => w.message.split(":")[0]!.endsWith(key));
    expect(named.map((w) => w.code)).toEqual(["warning" in rule ? rule.warning : "a warning"]);
  });
});
