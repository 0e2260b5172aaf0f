import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadCompose } from "../../src/compose/load-compose.js";
import { InputError } from "../../src/errors.js";
import { planPreview, type PreviewTarget } from "../../src/plan/plan-preview.js";
import { createDirReader } from "../../src/util/repo-reader.js";
import { lintTemplate } from "../helpers/cfn-lint.js";

/**
 * Repositories whose compose files lean on what `docker compose` does by default: an override file
 * beside the base one, profiles chosen in `.env`, anchors shared by dozens of services, an image
 * one service builds and others run, tmpfs under read_only, aliases. Each plans as Compose would run
 * it, or is refused line by line.
 */
const REPOS = path.join(import.meta.dirname, "..", "fixtures", "repos");
const SHA = "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e";
const ECR = "123456789012.dkr.ecr";
/** The run's first cfn-lint call waits while the engine loads its rules, which takes long on a busy machine. */
const LINT_TIMEOUT = 120_000;

type Container = {
  Name: string;
  Image: string;
  Command?: string[];
  PortMappings?: Array<{ ContainerPort: number }>;
  Environment?: Array<{ Name: string; Value: string }>;
  MountPoints?: Array<{ SourceVolume: string; ContainerPath: string; ReadOnly: boolean }>;
  ReadonlyRootFilesystem?: boolean;
};
type TaskDefinition = { Family: string; ContainerDefinitions: Container[]; Volumes?: Array<{ Name: string }> };
type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

const reader = (repo: string) => createDirReader(path.join(REPOS, repo));
const target = (repo: string): PreviewTarget => ({ owner: "acme", repo, pr: 7, sha: SHA });

async function plan(repo: string) {
  const result = await planPreview({ reader: reader(repo), target: target(repo), baseStack: "berth-base" });
  if (!result) throw new Error(`${repo} has no .github/preview.yml`);
  return result;
}

function taskDefinitions(template: object): TaskDefinition[] {
  return Object.values((template as Template).Resources)
    .filter((r) => r.Type === "AWS::ECS::TaskDefinition")
    .map((r) => r.Properties as unknown as TaskDefinition);
}
const container = (template: object, name: string): Container =>
  taskDefinitions(template).flatMap((t) => t.ContainerDefinitions).find((c) => c.Name === name)!;
const env = (c: Container): Record<string, string> => Object.fromEntries((c.Environment ?? []).map((e) => [e.Name, e.Value]));

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).message;
}

describe("the override file beside the compose file (outline-override)", () => {
  it("is merged over it: its ports and environment reach the preview", async () => {
    const { project, stack } = await plan("outline-override");
    expect(project.files).toEqual(["docker-compose.yml", "docker-compose.override.yml"]);
    expect({ publicService: stack.publicService, port: stack.port }).toEqual({ publicService: "outline", port: 3000 });
    const outline = container(stack.template, "outline");
    expect(outline.PortMappings).toEqual([{ ContainerPort: 3000, Protocol: "tcp" }]);
    expect(env(outline)).toMatchObject({ NODE_ENV: "production", LOG_LEVEL: "debug", FORCE_HTTPS: "false", SECRET_KEY: "generate_a_new_key" });
    expect(container(stack.template, "postgres").PortMappings).toEqual([{ ContainerPort: 5432, Protocol: "tcp" }]);
  });
});

describe("a Sentry-style file: dozens of services sharing anchors, profiles, one image built for many", () => {
  it("loads every service COMPOSE_PROFILES in .env enables, anchors and merge keys expanded", async () => {
    const project = await loadCompose(reader("sentry-style"));
    expect(project.services).toHaveLength(37);
    const sentry = project.services.filter((s) => s.entrypoint?.[0] === "/etc/sentry/entrypoint.sh");
    expect(sentry.map((s) => s.buildOf ?? s.name)).toEqual(sentry.map(() => "web"));
    expect(sentry.every((s) => s.environment.SNUBA === "http://snuba-api:1218")).toBe(true);
  });

  it("plans the profiles .github/preview.yml enables instead, every Sentry service on the image CI built for web", { timeout: LINT_TIMEOUT }, async () => {
    const { project, stack } = await plan("sentry-style");
    expect(project.services.map((s) => s.name)).toEqual([
      "memcached", "redis", "postgres", "kafka", "clickhouse", "snuba-api", "web", "cron", "worker",
      "snuba-errors-consumer", "errors-consumer", "snuba-transactions-consumer", "transactions-consumer",
    ]);
    const web = `${ECR}.us-east-1.amazonaws.com/sentry:web-${SHA}`;
    for (const name of ["web", "cron", "worker", "errors-consumer", "transactions-consumer"]) expect(container(stack.template, name).Image).toBe(web);
    expect(container(stack.template, "worker").Command).toEqual(["run", "worker"]);
    expect(container(stack.template, "clickhouse").Image).toBe(`${ECR}.us-east-1.amazonaws.com/sentry:clickhouse-${SHA}`);
    expect(container(stack.template, "snuba-api").Image).toBe("getsentry/snuba:24.6.0");
    expect(stack.releaseService).toBe("web");
    expect(await lintTemplate(stack.template, "sentry-style")).toEqual([]);
  });

  it("waits for a dependency whose health check lives only in its image as started, and says so on the line of the anchor", async () => {
    const { stack } = await plan("sentry-style");
    const waits = stack.warnings.filter((w) => w.code === "healthy-as-started").map((w) => `${w.file}:${w.line}: ${w.message}`);
    expect(waits).toHaveLength(8);
    expect(waits[1]).toBe(
      'docker-compose.yml:21: services.web.depends_on.redis: waits for "redis" to be started, not healthy: it has no healthcheck in the compose file, and ECS does not run the HEALTHCHECK of its image; add a healthcheck to "redis" to wait until it is healthy',
    );
  });
});

describe("read_only with tmpfs (hardened-readonly)", () => {
  it("mounts task storage at every tmpfs path, writable with the tmpfs's mode", { timeout: LINT_TIMEOUT }, async () => {
    const { stack } = await plan("hardened-readonly");
    const definitions = taskDefinitions(stack.template).filter((t) => t.ContainerDefinitions.some((c) => c.Name === "api" || c.Name === "release"));
    expect(definitions).toHaveLength(2);
    for (const definition of definitions) {
      expect(definition.Volumes).toEqual([{ Name: "tmpfs-0" }, { Name: "tmpfs-1" }, { Name: "tmpfs-2" }]);
      const [init, main] = definition.ContainerDefinitions;
      expect(main!.MountPoints).toEqual([
        { SourceVolume: "tmpfs-0", ContainerPath: "/app/cache", ReadOnly: false },
        { SourceVolume: "tmpfs-1", ContainerPath: "/tmp", ReadOnly: false },
        { SourceVolume: "tmpfs-2", ContainerPath: "/var/run/ledger", ReadOnly: false },
      ]);
      expect(main!.ReadonlyRootFilesystem).toBe(true);
      // The script is joined with the preview's search domain, a reference to the base stack.
      const command = JSON.stringify(init!.Command);
      expect(command).toContain('"set -e; ');
      // After the search line is written, under set -e: a failed chmod fails the init container.
      expect(command).toMatch(/; chmod 1777 \/berth-tmpfs\/tmpfs-0; chmod 1777 \/berth-tmpfs\/tmpfs-1; chmod 1770 \/berth-tmpfs\/tmpfs-2"/);
      expect(init!.MountPoints?.map((m) => m.ContainerPath)).toEqual(["/berth-tmpfs/tmpfs-0", "/berth-tmpfs/tmpfs-1", "/berth-tmpfs/tmpfs-2"]);
    }
    expect(stack.warnings.map((w) => `${w.code} ${w.file}:${w.line}: ${w.message}`)).toEqual([
      "field-ignored compose.yaml:18: services.api.security_opt: ignored on Fargate",
      "tmpfs-options-ignored compose.yaml:16: services.api.volumes[0].tmpfs.size: ignored: the path is task storage, whose size is the task's",
      "tmpfs-options-ignored compose.yaml:11: services.api.tmpfs[1]: size=16m ignored: /var/run/ledger is task storage on Fargate, which has no tmpfs",
    ]);
    expect(await lintTemplate(stack.template, "hardened-readonly")).toEqual([]);
  });
});

describe("aliases (network-aliases)", () => {
  it("refuses each alias on its line, naming the service to connect to instead", async () => {
    expect(await refusal(plan("network-aliases"))).toBe(
      [
        'docker-compose.yml:8: services.app.links[0]: the alias "auth.local" of "proxy" would not resolve: a name with dots is not looked up under the preview\'s search domain, and a service has one name in a preview; connect to "proxy" instead of "auth.local"',
        'docker-compose.yml:24: services.elasticsearch.networks.default.aliases[0]: the alias "search" of "elasticsearch" would not resolve: ECS registers each service under one name in the preview\'s DNS, its compose service name; connect to "elasticsearch" instead of "search", or rename the service "search"',
      ].join("\n"),
    );
  });

  it("keeps a plain link as a dependency, as Compose orders start-up by links", async () => {
    const project = await loadCompose(
      createDirReaderWith("network-aliases", (text) => text.replace('"proxy:auth.local"', "proxy").replace("          - search\n", "")),
    );
    expect(project.services.find((s) => s.name === "app")!.dependsOn).toEqual([
      { service: "proxy", condition: "service_started" },
      { service: "db", condition: "service_started" },
    ]);
  });
});

/** The fixture's files, with its compose file edited by `edit`. */
function createDirReaderWith(repo: string, edit: (text: string) => string) {
  const inner = reader(repo);
  return {
    ...inner,
    readFile: async (file: string) => {
      const text = await inner.readFile(file);
      return file === "docker-compose.yml" && text !== undefined ? edit(text) : text;
    },
  };
}
