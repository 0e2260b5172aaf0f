import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { buildConfigJsonSchema, CONFIG_SCHEMA_ID, CONFIG_SCHEMA_PATH, renderConfigJsonSchema } from "../../src/config/build-config-json-schema.js";

const root = new URL("../../", import.meta.url);

function fixture(name: string): unknown {
  return parse(readFileSync(new URL(`test/fixtures/config/${name}.yml`, root), "utf8"));
}

// Strict, so that a keyword or format ajv does not know fails the test instead of being ignored.
const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(buildConfigJsonSchema());

function errors(config: unknown): string[] {
  validate(config);
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}

describe("schema/preview.schema.json", () => {
  it("is the one generated from RepoConfigSchema", () => {
    const committed = readFileSync(new URL(CONFIG_SCHEMA_PATH, root), "utf8");
    expect(committed, `${CONFIG_SCHEMA_PATH} is out of date: run \`npm run schema\` and commit the result`).toBe(renderConfigJsonSchema());
  });

  it("names itself and carries the field documentation", () => {
    const schema = buildConfigJsonSchema() as {
      $id: string;
      title: string;
      properties: Record<string, { description?: string; properties?: Record<string, { description?: string }> }>;
    };
    expect([schema.$id, schema.title]).toStrictEqual([CONFIG_SCHEMA_ID, "berth preview configuration"]);
    const undocumented = Object.entries(schema.properties).flatMap(([key, property]) => [
      ...(property.description ? [] : [key]),
      ...Object.entries(property.properties ?? {}).flatMap(([inner, p]) => (p.description ? [] : [`${key}.${inner}`])),
    ]);
    expect(undocumented).toStrictEqual([]);
    expect(schema.properties.port?.description).toBe("The public service's container port. Default: the one port it publishes or exposes.");
  });

  it.each(["django-nginx-postgres", "node-mysql-redis", "rails-postgres", "maximal"])("accepts the %s example", (name) => {
    expect(errors(fixture(name))).toStrictEqual([]);
  });

  it.each<{ name: string; config: unknown; expected: string[] }>([
    { name: "a port out of range", config: { port: 0 }, expected: ["/port must be >= 1"] },
    { name: "an unknown key", config: { relase: {} }, expected: ["/ must NOT have additional properties"] },
    {
      name: "a plain secret value",
      config: { secrets: { DB_PASSWORD: "hunter2" } },
      expected: [
        '/secrets/DB_PASSWORD must match pattern "^(?:arn:aws[a-z-]*:(?:ssm:[a-z0-9-]+:[0-9]{12}:parameter\\/.+|secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+)|(?:\\/[A-Za-z0-9_.-]+)+)$"',
      ],
    },
    {
      name: "an invalid variable name",
      config: { environment: { "1ST": "x" } },
      expected: ['/environment must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"', "/environment property name must be valid"],
    },
    { name: "a relative health check path", config: { healthcheck: { path: "up" } }, expected: ['/healthcheck/path must match pattern "^\\/\\S*$"'] },
  ])("rejects $name, as editors will", ({ config, expected }) => {
    expect(errors(config)).toStrictEqual(expected);
  });
});
