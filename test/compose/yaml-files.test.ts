import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadCompose } from "../../src/compose/load-compose.js";
import { InputError } from "../../src/errors.js";
import { createMemoryReader } from "../../src/util/repo-reader.js";

/** The outcome of loading `text` as compose.yaml: the services, or the error lines. */
async function outcome(text: string): Promise<{ services: string[] } | { error: string }> {
  return loadCompose(createMemoryReader({ "compose.yaml": text })).then(
    (project) => ({ services: project.services.map((s) => s.name) }),
    (error: unknown) => {
      // Never a crash: every failure is an InputError of FILE:LINE lines.
      if (!(error instanceof InputError)) throw error;
      return { error: error.message };
    },
  );
}

/** A file of `count` services sharing anchors the way large self-hosted products write them. */
function anchoredFile(count: number): string {
  const lines = [
    "x-logging: &logging",
    "  driver: json-file",
    "  options: {max-size: 10m, max-file: '3'}",
    "x-base: &base",
    "  restart: unless-stopped",
    "  logging: *logging",
    "  environment: &env",
    "    DATABASE_URL: postgres://app@db/app",
    "    REDIS_URL: redis://redis:6379",
    "x-worker: &worker",
    "  <<: *base",
    "  image: ghcr.io/acme/app:1.0",
    "  depends_on: {db: {condition: service_started}}",
    "services:",
    "  db:",
    "    <<: *base",
    "    image: postgres:16",
  ];
  for (let i = 0; i < count; i++) {
    lines.push(`  worker-${i}:`, "    <<: [*worker, *base]", `    command: ["worker", "--queue", "q${i}"]`, "    environment:", "      <<: *env", `      QUEUE: q${i}`);
  }
  return `${lines.join("\n")}\n`;
}

describe("YAML as real files write it", () => {
  it("loads a file of 80 services sharing anchors and merge keys, each with the anchors' values", async () => {
    const project = await loadCompose(createMemoryReader({ "compose.yaml": anchoredFile(80) }));
    expect(project.services).toHaveLength(81);
    const last = project.services.at(-1)!;
    expect(last).toMatchObject({ name: "worker-79", image: "ghcr.io/acme/app:1.0", command: ["worker", "--queue", "q79"] });
    expect(last.environment).toEqual({ DATABASE_URL: "postgres://app@db/app", REDIS_URL: "redis://redis:6379", QUEUE: "q79" });
    expect(last.dependsOn).toEqual([{ service: "db", condition: "service_started" }]);
  });

  it("points a problem inside an anchor at the anchor's line", async () => {
    const text = "x-base: &base\n  image: app\n  stop_grace_period: forever\nservices:\n  web:\n    <<: *base\n";
    expect(await outcome(text)).toEqual({ error: 'compose.yaml:3: services.web.stop_grace_period: "forever" is not a duration (like 10s or 1m30s)' });
  });
});

describe("no input gives a stack trace: every failure is FILE:LINE: message", () => {
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"];
  for (const [name, prev] of [["b", "a"], ["c", "b"], ["d", "c"], ["e", "d"], ["f", "e"], ["g", "f"]]) {
    bomb.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
  }
  it.each([
    { name: "a tab as indentation", text: "services:\n  web:\n\timage: app\n", error: "compose.yaml:3: invalid YAML: Tabs are not allowed as indentation" },
    { name: "a duplicate key", text: "services:\n  web:\n    image: app\n    image: other\n", error: "compose.yaml:4: invalid YAML: Map keys must be unique" },
    { name: "a truncated quoted string", text: 'services:\n  web:\n    image: "app\n', error: 'compose.yaml:4: invalid YAML: Missing closing "quote' },
    { name: "an alias without its anchor", text: "services:\n  web:\n    <<: *base\n", error: "compose.yaml:3: invalid YAML: *base refers to no anchor &base defined before it" },
    {
      name: "an alias inside its own anchor",
      text: "x-a: &a\n  nested: *a\nservices:\n  web:\n    image: app\n",
      error: "compose.yaml:2: invalid YAML: *a is inside the anchor &a it refers to; a value cannot contain itself",
    },
    {
      name: "a merge of a string",
      text: "x-image: &image app\nservices:\n  web:\n    <<: *image\n",
      error: "compose.yaml:4: invalid YAML: << merges mappings: give it an alias of a mapping (<<: *base) or a list of them",
    },
    { name: "a list as a key", text: "services:\n  ? [web, worker]\n  : {image: app}\n", error: "compose.yaml:2: invalid YAML: a key must be a plain value, not a list or mapping" },
    {
      name: "two documents",
      text: "services:\n  web:\n    image: app\n---\nservices: {}\n",
      error: "compose.yaml:4: invalid YAML: the file holds several YAML documents (separated by ---); keep one",
    },
    {
      name: "an alias bomb",
      text: `${bomb.join("\n")}\nservices:\n  web:\n    image: app\n    labels: {x: *g}\n`,
      error: "compose.yaml:11: invalid YAML: the aliases expand the file to more than 200,000 values (*g alone to 5,380,840); use fewer nested aliases",
    },
  ])("$name", async ({ text, error }) => {
    const started = Date.now();
    expect(await outcome(text)).toEqual({ error });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("gives a located error or a project for every truncation of a real file", async () => {
    const text = readFileSync(new URL("../fixtures/repos/sentry-style/docker-compose.yml", import.meta.url), "utf8");
    const cuts = Array.from({ length: 60 }, (_, i) => Math.floor((text.length * (i + 1)) / 61));
    for (const cut of cuts) {
      const result = await outcome(text.slice(0, cut));
      if ("error" in result) for (const line of result.error.split("\n")) expect(line).toMatch(/^compose\.yaml(:\d+)?: /);
    }
  });
});
