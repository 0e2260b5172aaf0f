import path from "node:path";
import { describe, expect, it } from "vitest";
import { planPreview } from "../../src/plan/plan-preview.js";
import { InputError } from "../../src/errors.js";
import { createDirReader, createMemoryReader } from "../../src/util/repo-reader.js";
import { lintTemplate } from "../helpers/cfn-lint.js";

const REPO = path.join(import.meta.dirname, "..", "fixtures", "repos", "uploads-oneshot");
const SHA = "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e";
const TARGET = { owner: "acme", repo: "uploads", pr: 7, sha: SHA };
const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/uploads:${SHA}`;

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type Template = { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown }> };
type Container = { Name: string; Image: string; Command?: string[]; EntryPoint?: string[]; Environment?: Array<{ Name: string }> };

async function plan() {
  const result = await planPreview({ reader: createDirReader(REPO), target: TARGET, baseStack: "berth-base" });
  return result!.stack;
}

const ofType = (template: Template, type: string) => Object.keys(template.Resources).filter((id) => template.Resources[id]!.Type === type);
const mainContainer = (template: Template, id: string) =>
  (template.Resources[id]!.Properties.ContainerDefinitions as Container[]).find((c) => c.Name !== "berth-dns-init")!;

describe("one-shot services in the template (uploads-oneshot: migrate and createbuckets run once)", () => {
  it("gives each one-shot service a task definition and no ECS service or DNS name", async () => {
    const template = (await plan()).template as Template;

    expect(ofType(template, "AWS::ECS::Service")).toEqual(["WebService", "DbService", "MinioService"]);
    expect(ofType(template, "AWS::ServiceDiscovery::Service")).toEqual(["WebDiscovery", "DbDiscovery", "MinioDiscovery"]);
    expect(ofType(template, "AWS::ECS::TaskDefinition")).toEqual([
      "WebTaskDefinition", "MigrateTaskDefinition", "DbTaskDefinition", "MinioTaskDefinition", "CreatebucketsTaskDefinition", "ReleaseTaskDefinition",
    ]);
    expect(template.Outputs.OneShotTaskDefinitions?.Value).toEqual({
      "Fn::Join": [",", [
        { "Fn::Join": ["=", ["migrate", { Ref: "MigrateTaskDefinition" }]] },
        { "Fn::Join": ["=", ["createbuckets", { Ref: "CreatebucketsTaskDefinition" }]] },
      ]],
    });
    expect(await lintTemplate(template, "uploads-oneshot")).toEqual([]);
    // The run's first cfn-lint call waits while the engine loads its rules, slowly on a busy machine.
  }, 60_000);

  it("runs each one-shot service as the compose file wrote it: its own image, command or entry point and environment", async () => {
    const template = (await plan()).template as Template;

    const migrate = mainContainer(template, "MigrateTaskDefinition");
    expect([migrate.Name, migrate.Image, migrate.Command]).toEqual(["migrate", IMAGE, ["npm", "run", "db:migrate"]]);
    expect(migrate.Environment?.map((e) => e.Name)).toEqual(["DATABASE_URL"]);
    const buckets = mainContainer(template, "CreatebucketsTaskDefinition");
    expect([buckets.Name, buckets.Image, buckets.EntryPoint?.slice(0, 2)]).toEqual(["createbuckets", "minio/mc:RELEASE.2024-11-05T11-29-45Z", ["/bin/sh", "-c"]]);
    expect(buckets.EntryPoint?.[2]).toContain("mc mb --ignore-existing local/uploads");
  });

  it("lists the release steps in run order: one-shot services, then seed; web's stack dependencies skip them", async () => {
    const stack = await plan();
    const template = stack.template as Template;

    expect(stack.release).toEqual([
      { name: "init:migrate", service: "migrate", command: ["npm", "run", "db:migrate"] },
      { name: "init:createbuckets", service: "createbuckets" },
      { name: "seed", command: ["npm", "run", "db:seed"] },
    ]);
    expect(template.Resources.WebService!.DependsOn).toEqual(["DbService", "PublicListenerRule"]);
    expect(stack.warnings.filter((w) => w.code === "restart-ignored").map((w) => w.line)).toEqual([21, 45, 60]);
  });

  it("runs a built one-shot service's new image in the release phase, while web keeps serving the old one", async () => {
    const held = await planPreview({ reader: createDirReader(REPO), target: TARGET, baseStack: "berth-base", hold: { servingImages: { web: "old-image" } } });
    const template = held!.stack.template as Template;

    expect(mainContainer(template, "WebTaskDefinition").Image).toBe("old-image");
    expect(mainContainer(template, "MigrateTaskDefinition").Image).toBe(IMAGE);
  });

  it("warns that a database waiting for a one-shot service starts before it runs", async () => {
    const reader = createMemoryReader({
      "docker-compose.yml": [
        "services:",
        "  web:",
        "    image: app",
        '    ports: ["3000:3000"]',
        "  db:",
        "    image: postgres",
        "    depends_on:",
        "      fix-permissions: {condition: service_completed_successfully}",
        "  fix-permissions:",
        "    image: busybox",
        "",
      ].join("\n"),
      ".github/preview.yml": "service: web\n",
    });

    const planned = await planPreview({ reader, target: TARGET, baseStack: "berth-base" });

    expect(planned!.stack.warnings.filter((w) => w.code === "starts-before-one-shot").map((w) => `${w.file}:${w.line}: ${w.message}`)).toEqual([
      'docker-compose.yml:5: services.db.depends_on.fix-permissions: "db" starts before the one-shot service "fix-permissions" runs: services not built from the repository start in the release phase and keep running across deploys, and one-shot services run after it',
    ]);
  });

  it.each([
    {
      name: "the public service runs once",
      compose: 'services:\n  web:\n    image: app\n    restart: "no"\n',
      config: "service: web\nport: 3000\n",
      expected: 'docker-compose.yml:2: services.web: runs once and exits (a service waits for it with service_completed_successfully, or it has restart: "no"), so it cannot answer on the preview URL; set `service` in .github/preview.yml to a long-running service',
    },
    {
      name: "a one-shot service waits for a service built from the repository",
      compose: [
        "services:",
        "  web:",
        "    build: .",
        '    ports: ["3000:3000"]',
        "  smoke:",
        "    image: curlimages/curl",
        '    restart: "no"',
        "    depends_on: [web]",
        "",
      ].join("\n"),
      config: "image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:{sha}\n",
      expected: 'docker-compose.yml:5: services.smoke.depends_on: "smoke" runs once before the new version rolls out, but waits for "web", which is built from the repository and starts only after the one-shot services succeeded; run it as a command of "web" instead, or drop the dependency',
    },
  ])("refuses a plan where $name", async ({ compose, config, expected }) => {
    const reader = createMemoryReader({
      "docker-compose.yml": compose,
      ".github/preview.yml": config,
    });

    const error = await planPreview({ reader, target: TARGET, baseStack: "berth-base" }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`)).toEqual([expected]);
  });
});
