import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadCompose } from "../../src/compose/load-compose.js";
import { NESTED_KEYS } from "../../src/compose/nested-keys.js";
import { validateComposeSchema } from "../../src/compose/validate-compose-schema.js";
import { InputError } from "../../src/errors.js";
import { createMemoryReader } from "../../src/util/repo-reader.js";
import { parseYamlSource } from "../../src/util/yaml-source.js";

const dir = new URL("../fixtures/compose/conformance/", import.meta.url);

/** What berth does with each file the official schema accepts: the warning codes, or the refusal. */
const expected: Record<string, { services: string[]; warnings: string[] } | { refused: string }> = {
  "anchors-and-extensions.yaml": { services: ["web", "worker", "db"], warnings: [] },
  "dev-environment.yaml": {
    services: ["web", "api"],
    warnings: [
      "field-ignored",
      "profile-skipped",
      "field-ignored",
      "port-host-ip-ignored",
      "bind-mount-ignored",
      "anonymous-volume-ignored",
      "healthcheck-clamped",
      "healthcheck-clamped",
      "healthcheck-clamped",
      "stop-grace-period-clamped",
    ],
  },
  "gpu-inference.yaml": {
    refused:
      "compose.yaml:8: services.inference.deploy.resources.reservations.devices: Fargate has no GPUs or host devices; remove the device reservation",
  },
  "host-agent.yaml": {
    refused: [
      'compose.yaml:4: services.agent.network_mode: network_mode "host" is not available on Fargate (every task has its own network interface); remove network_mode and reach other services by name',
      'compose.yaml:5: services.agent.pid: pid "host" is not available on Fargate: PID namespaces cannot be shared with the host or other containers; remove pid',
      "compose.yaml:6: services.agent.privileged: privileged containers are not allowed on Fargate; remove privileged: true",
      "compose.yaml:11: services.agent.cap_add[0]: capability SYS_ADMIN cannot be added on Fargate (only SYS_PTRACE can); remove it from cap_add",
    ].join("\n"),
  },
  "long-syntax.yaml": {
    services: ["app", "cache"],
    warnings: ["field-ignored", "field-ignored", "field-ignored", "named-volume-not-mounted", "bind-mount-ignored"],
  },
  "swarm-stack.yaml": {
    refused: [
      "compose.yaml:13: services.web.secrets[0]: secret \"api_key\" is external: it exists outside the compose file; map the secret to an SSM parameter in .github/preview.yml: `compose_secrets: {api_key: /<path>/api_key}`",
      "compose.yaml:16: services.web.configs[0]: config \"nginx_conf\" reads ./nginx.conf, which is not in the repository at this commit; commit it",
    ].join("\n"),
  },
  "wordpress.yaml": { services: ["db", "wordpress"], warnings: ["restart-ignored", "named-volume-ephemeral", "restart-ignored"] },
};

const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();

describe("conformance: files the official schema accepts are translated or refused with a reason", () => {
  it("has an expectation for every fixture", () => {
    expect(files).toEqual(Object.keys(expected).sort());
  });

  it.each(files)("%s", async (file) => {
    const text = readFileSync(new URL(file, dir), "utf8");
    const source = parseYamlSource("compose.yaml", text);
    expect(validateComposeSchema(source, source.value)).toEqual([]);

    const outcome = await loadCompose(createMemoryReader({ "compose.yaml": text })).then(
      (project) => ({ project }),
      (error: unknown) => ({ error }),
    );
    const want = expected[file]!;
    if ("error" in outcome) {
      expect(outcome.error).toBeInstanceOf(InputError);
      const error = outcome.error as InputError;
      for (const d of error.diagnostics) {
        expect(d.line).toBeGreaterThan(0);
        expect(d.message.startsWith(`${d.path}: `)).toBe(true);
      }
      expect(want).toEqual({ refused: error.message });
      return;
    }
    for (const w of outcome.project.warnings) {
      expect(w.code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(w.file).toBe("compose.yaml");
      expect(w.line).toBeGreaterThan(0);
    }
    expect({ services: outcome.project.services.map((s) => s.name), warnings: outcome.project.warnings.map((w) => w.code) }).toEqual(want);
  });
});

describe("README: Compose translation", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## Compose translation"), readme.indexOf("## Architecture"));
  const documented = new Set([...section.matchAll(/`([a-z]+(?:-[a-z0-9]+)+)`/g)].map((m) => m[1]!));
  /** Every warning code the compose loader and the template builder can give, read from their source. */
  const emitted = ["compose", "stack"].flatMap((area) => {
    const folder = new URL(`../../src/${area}/`, import.meta.url);
    return readdirSync(folder)
      .filter((file) => file.endsWith(".ts"))
      .flatMap((file) => {
        const source = readFileSync(new URL(file, folder), "utf8");
        return [...source.matchAll(/\b(?:warn|ignore)\(\s*"([a-z0-9-]+)"|\b(?:code|warning): "([a-z0-9-]+)"/g)].map((m) => m[1] ?? m[2]!);
      });
  });

  it("finds the warning codes in the source", () => {
    expect(emitted).toContain("anonymous-volume-ignored");
    expect(emitted).toContain("unset-variable");
  });

  it("documents every warning code berth gives", () => {
    expect([...new Set(emitted)].filter((code) => !documented.has(code)).sort()).toEqual([]);
  });
});

describe("README: the translation table covers the Compose Specification", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  // Fenced examples are not the table, and their ``` would pair the inline backticks wrongly.
  const section = readme.slice(readme.indexOf("## Compose translation"), readme.indexOf("## Architecture")).replace(/```[\s\S]*?```/g, "");
  const tokens = [...section.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  const spec = JSON.parse(readFileSync(new URL("../../src/compose/compose-spec.json", import.meta.url), "utf8")) as {
    properties: Record<string, unknown>;
    definitions: { service: { properties: Record<string, unknown> } };
  };
  const named = (key: string) => tokens.some((token) => token.split(/[^a-z0-9_]+/).includes(key));

  it.each(Object.keys(spec.definitions.service.properties))("service key %s", (key) => {
    expect(named(key)).toBe(true);
  });

  it.each(Object.keys(spec.properties))("top-level key %s", (key) => {
    expect(named(key)).toBe(true);
  });

  it.each(Object.entries(NESTED_KEYS).flatMap(([kind, keys]) => Object.keys(keys).map((key) => `${kind} ${key}`)))("nested key %s", (both) => {
    expect(named(both.split(" ")[1]!)).toBe(true);
  });
});
