import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/index.js";
import { planPreview, type PreviewTarget } from "../../src/plan/plan-preview.js";
import { createDirReader, createMemoryReader } from "../../src/util/repo-reader.js";
import { lintTemplate } from "../helpers/cfn-lint.js";

/**
 * Repositories written the way real projects write their compose files, each with the
 * `.github/preview.yml` its users would add. Every one either plans into a lint-clean template
 * with the services, images, release steps and public endpoint a user expects, or is refused with
 * `FILE:LINE: key: message` lines.
 */
const REPOS = path.join(import.meta.dirname, "..", "fixtures", "repos", "real-world");
const SHA = "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e";
const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
/** CloudFormation's limit for a template sent inline as TemplateBody. */
const INLINE_TEMPLATE_LIMIT = 51_200;

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
type Container = { Name: string; Image: string; Command?: string[]; MountPoints?: unknown[]; Environment?: Array<{ Name: string; Value: string }> };

interface Expected {
  repo: string;
  target?: Partial<PreviewTarget>;
  stackName: string;
  publicService: string;
  port: number;
  releaseService: string;
  release: Array<{ name: string; command?: string[]; service?: string; retries?: number }>;
  /** Container name -> image, for every task definition's main container (the release task's is `release`). */
  images: Record<string, string>;
  /** Warning codes in the order berth reports them. */
  warnings: string[];
}

/** An official Docker Hub image, as berth pulls it: from ECR Public's mirror of Docker's library. */
const lib = (image: string) => `public.ecr.aws/docker/library/${image}`;

const target = (repo: string, extra: Partial<PreviewTarget> = {}): PreviewTarget => ({ owner: "acme", repo, pr: 42, sha: SHA, ...extra });

async function plan(repo: string, extra: Partial<PreviewTarget> = {}) {
  const result = await planPreview({ reader: createDirReader(path.join(REPOS, repo)), target: target(repo, extra), baseStack: "berth-base" });
  if (!result) throw new Error(`${repo} has no .github/preview.yml`);
  return result;
}

function containersOf(template: Template): Container[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === "AWS::ECS::TaskDefinition")
    .flatMap((r) => r.Properties.ContainerDefinitions as Container[])
    .filter((c) => c.Name !== "berth-dns-init");
}

const imagesOf = (template: Template): Record<string, string> => Object.fromEntries(containersOf(template).map((c) => [c.Name, c.Image]));
const containerOf = (template: Template, name: string): Container => containersOf(template).find((c) => c.Name === name)!;
const env = (container: Container): Record<string, string> => Object.fromEntries((container.Environment ?? []).map((e) => [e.Name, e.Value]));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const PLANNED: Expected[] = [
  {
    // No release.migrate: the compose file's own migrate service runs once, and app waits for it.
    repo: "migrate-service",
    stackName: "berth-migrate-service-pr-42-acme-72a598",
    publicService: "app",
    port: 3000,
    releaseService: "app",
    release: [{ name: "init:migrate", service: "migrate", command: ["npm", "run", "migrate"] }],
    images: {
      migrate: `${ECR}/tickets:${SHA}`,
      app: `${ECR}/tickets:${SHA}`,
      db: lib("postgres:16"),
      release: `${ECR}/tickets:${SHA}`,
    },
    warnings: ["healthcheck-clamped"],
  },
  {
    repo: "wordpress-mysql",
    stackName: "berth-wordpress-mysql-pr-42-acme-76fa69",
    publicService: "wordpress",
    port: 80,
    releaseService: "wordpress",
    release: [],
    images: { db: lib("mysql:8.0"), wordpress: lib("wordpress:6.5-apache"), release: lib("wordpress:6.5-apache") },
    warnings: ["restart-ignored", "named-volume-ephemeral", "restart-ignored", "published-port-ignored", "named-volume-ephemeral"],
  },
  {
    repo: "fastapi-celery",
    stackName: "berth-fastapi-celery-pr-42-acme-e22c41",
    publicService: "api",
    port: 8000,
    releaseService: "api",
    release: [
      { name: "migrate", command: ["alembic", "upgrade", "head"] },
      { name: "seed", command: ["python", "-m", "app.scripts.seed", "--demo"] },
    ],
    images: {
      api: `987654321098.dkr.ecr.eu-central-1.amazonaws.com/shop-api:${SHA}`,
      worker: `987654321098.dkr.ecr.eu-central-1.amazonaws.com/shop-api:${SHA}`,
      beat: `987654321098.dkr.ecr.eu-central-1.amazonaws.com/shop-api:${SHA}`,
      redis: lib("redis:7.2-alpine"),
      postgres: lib("postgres:16"),
      release: `987654321098.dkr.ecr.eu-central-1.amazonaws.com/shop-api:${SHA}`,
    },
    warnings: ["restart-ignored", "restart-ignored", "restart-ignored", "named-volume-ephemeral"],
  },
  {
    repo: "laravel",
    stackName: "berth-laravel-pr-42-acme-4da087",
    publicService: "nginx",
    port: 80,
    releaseService: "app",
    release: [
      { name: "migrate", command: ["php", "artisan", "migrate", "--force"] },
      { name: "seed", command: ["php", "artisan", "db:seed", "--force"] },
    ],
    images: {
      app: "123456789012.dkr.ecr.us-west-2.amazonaws.com/laravel-app:4f2a9c1",
      nginx: "123456789012.dkr.ecr.us-west-2.amazonaws.com/laravel-nginx:4f2a9c1",
      mysql: lib("mysql:8.0"),
      redis: lib("redis:alpine"),
      release: "123456789012.dkr.ecr.us-west-2.amazonaws.com/laravel-app:4f2a9c1",
    },
    warnings: [
      "version-obsolete", "networks-ignored",
      "container-name-ignored", "restart-ignored", "networks-ignored", "bind-mount-ignored", "bind-mount-ignored",
      "container-name-ignored", "restart-ignored", "networks-ignored", "published-port-ignored", "bind-mount-ignored", "bind-mount-ignored",
      "container-name-ignored", "restart-ignored", "networks-ignored", "named-volume-ephemeral",
      "container-name-ignored", "restart-ignored", "networks-ignored",
    ],
  },
  {
    repo: "nextjs-postgres",
    target: { branch: "feature/checkout-v2" },
    stackName: "berth-nextjs-postgres-pr-42-acme-009035",
    publicService: "web",
    port: 3000,
    releaseService: "web",
    release: [
      { name: "migrate", command: ["npx", "prisma", "migrate", "deploy"] },
      { name: "seed", command: ["npx", "prisma", "db", "seed"] },
    ],
    images: {
      web: `${ECR}/storefront:feature-checkout-v2-4f2a9c1`,
      postgres: lib("postgres:16-alpine"),
      release: `${ECR}/storefront:feature-checkout-v2-4f2a9c1`,
    },
    warnings: ["port-host-ip-ignored", "healthcheck-clamped", "healthcheck-clamped", "named-volume-ephemeral"],
  },
  {
    repo: "spring-boot-postgres",
    stackName: "berth-spring-boot-postgres-pr-42-acme-d2a00e",
    publicService: "app",
    port: 8080,
    releaseService: "app",
    release: [],
    images: {
      app: `123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/inventory:${SHA}`,
      db: lib("postgres:15-alpine"),
      release: `123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/inventory:${SHA}`,
    },
    warnings: ["field-ignored", "field-ignored", "field-ignored"],
  },
  {
    repo: "go-redis",
    stackName: "berth-go-redis-pr-42-acme-219c1b",
    publicService: "api",
    port: 8080,
    releaseService: "api",
    release: [],
    images: { api: `${ECR}/links-api:pr-42-4f2a9c1`, redis: lib("redis:7-alpine"), release: `${ECR}/links-api:pr-42-4f2a9c1` },
    warnings: ["restart-ignored", "restart-ignored"],
  },
  {
    repo: "django-celery-rabbitmq",
    stackName: "berth-django-celery-rabbitmq-pr-42-acme-d3d634",
    publicService: "web",
    port: 8000,
    releaseService: "web",
    release: [
      { name: "migrate", command: ["python", "manage.py", "migrate", "--noinput"] },
      { name: "seed", command: ["python", "manage.py", "loaddata", "fixtures/demo_users.json", "fixtures/demo_lists.json"] },
    ],
    images: {
      web: `${ECR}/newsletter:${SHA}`,
      celery_worker: `${ECR}/newsletter:${SHA}`,
      celery_beat: `${ECR}/newsletter:${SHA}`,
      rabbitmq: lib("rabbitmq:3.13-management-alpine"),
      db: lib("postgres:14"),
      release: `${ECR}/newsletter:${SHA}`,
    },
    warnings: ["version-obsolete", "hostname-ignored", "named-volume-ephemeral"],
  },
  {
    repo: "ghost",
    stackName: "berth-ghost-pr-42-acme-c0d9c3",
    publicService: "ghost",
    port: 2368,
    releaseService: "ghost",
    release: [],
    images: { ghost: lib("ghost:5-alpine"), db: lib("mysql:8.0"), release: lib("ghost:5-alpine") },
    warnings: ["restart-ignored", "named-volume-ephemeral", "restart-ignored", "healthcheck-clamped", "named-volume-ephemeral"],
  },
  {
    repo: "rails-sidekiq",
    stackName: "berth-rails-sidekiq-pr-42-acme-07333e",
    publicService: "web",
    port: 3000,
    releaseService: "web",
    release: [
      { name: "migrate", command: ["./bin/rails", "db:prepare"] },
      { name: "seed", command: ["./bin/rails", "db:seed:replant"] },
    ],
    images: {
      web: `${ECR}/blog:${SHA}`,
      sidekiq: `${ECR}/blog:${SHA}`,
      db: lib("postgres:16.3"),
      redis: lib("redis:7.2"),
      release: `${ECR}/blog:${SHA}`,
    },
    warnings: [
      "field-ignored",
      "healthcheck-clamped", "healthcheck-clamped", "named-volume-ephemeral",
      "healthcheck-clamped", "healthcheck-clamped", "named-volume-ephemeral",
    ],
  },
  {
    repo: "node-mongo",
    stackName: "berth-node-mongo-pr-42-acme-fb9ed0",
    publicService: "app",
    port: 3000,
    releaseService: "app",
    release: [{ name: "seed", command: ["npm", "run", "seed"] }],
    images: { app: `${ECR}/todos:${SHA}`, mongo: lib("mongo:7"), "mongo-express": lib("mongo-express:1.0"), release: `${ECR}/todos:${SHA}` },
    warnings: ["restart-ignored", "named-volume-ephemeral", "restart-ignored"],
  },
  {
    repo: "phoenix-postgres",
    stackName: "berth-phoenix-postgres-pr-42-acme-422c2f",
    publicService: "app",
    port: 4000,
    releaseService: "app",
    release: [
      { name: "migrate", command: ["/app/bin/chat", "eval", "Chat.Release.migrate()"] },
      { name: "seed", command: ["/app/bin/chat", "eval", "Chat.Release.seed(:demo)"] },
    ],
    images: {
      app: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/chat:4f2a9c1",
      db: lib("postgres:16"),
      release: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/chat:4f2a9c1",
    },
    warnings: ["restart-ignored", "named-volume-ephemeral"],
  },
  {
    repo: "monorepo",
    stackName: "berth-monorepo-pr-42-acme-35a5c7",
    publicService: "web",
    port: 80,
    releaseService: "api",
    release: [
      { name: "migrate", command: ["pnpm", "--filter", "api", "db:migrate"] },
      { name: "seed", command: ["pnpm", "--filter", "api", "db:seed"] },
    ],
    images: {
      api: `${ECR}/acme-platform/api:${SHA}`,
      web: `${ECR}/acme-platform/web:${SHA}`,
      postgres: lib("postgres:16-alpine"),
      release: `${ECR}/acme-platform/api:${SHA}`,
    },
    warnings: ["published-port-ignored", "healthcheck-clamped", "healthcheck-clamped"],
  },
  {
    repo: "compose-override",
    stackName: "berth-compose-override-pr-42-acme-d1eac3",
    publicService: "app",
    port: 3000,
    releaseService: "app",
    release: [{ name: "migrate", command: ["node", "dist/migrate.js"] }],
    images: { app: `${ECR}/billing:${SHA}`, db: lib("postgres:15"), mailhog: "mailhog/mailhog:v1.0.1", release: `${ECR}/billing:${SHA}` },
    // mailhog/mailhog is no official image: without the operator's Docker Hub mirror it is pulled anonymously.
    warnings: ["bind-mount-ignored", "anonymous-volume-ignored", "docker-hub-anonymous"],
  },
  {
    repo: "env-interpolation",
    stackName: "berth-env-interpolation-pr-42-acme-e7be2b",
    publicService: "web",
    port: 8081,
    releaseService: "web",
    release: [],
    images: { web: "ghcr.io/acme/ledger:2024.06", db: lib("postgres:16-alpine"), release: "ghcr.io/acme/ledger:2024.06" },
    warnings: [],
  },
  {
    repo: "kitchen-sink",
    target: { owner: "the-very-long-organisation-name-for-enterprise-x", repo: "Customer.Facing_Observability-Platform.Monorepo-With-A-Very-Long-Name", pr: 1234 },
    stackName: "berth-customer-facing-observability-platform-pr-1234-the-very-d3a663",
    publicService: "API",
    port: 3000,
    releaseService: "my_worker",
    release: [{ name: "migrate", command: ["node", "dist/migrate.js", "--to", "latest"] }],
    images: {
      API: `${ECR}/observatory:API-pr1234-4f2a9c1`,
      my_worker: `${ECR}/observatory:my_worker-pr1234-4f2a9c1`,
      "1st-responder": "ghcr.io/acme/paging-bot:3.2.1",
      queue: lib("rabbitmq:3.13-alpine"),
      docs: lib("nginx:1.27-alpine"),
      release: `${ECR}/observatory:my_worker-pr1234-4f2a9c1`,
    },
    warnings: [
      "field-ignored", "networks-ignored", "field-ignored", "profile-skipped",
      "logging-replaced", "networks-ignored", "field-ignored", "tmpfs-options-ignored", "field-ignored", "ulimit-ignored",
      "networks-ignored", "field-ignored", "named-volume-ephemeral", "tmpfs-options-ignored", "bind-mount-ignored",
      "hostname-ignored", "networks-ignored",
      "networks-ignored", "field-ignored", "published-port-ignored",
      "dependency-skipped",
    ],
  },
  {
    repo: "plausible",
    stackName: "berth-plausible-pr-42-acme-4b9f30",
    publicService: "plausible",
    port: 8000,
    releaseService: "plausible",
    release: [],
    images: {
      mail: "bytemark/smtp",
      plausible_db: lib("postgres:16-alpine"),
      plausible_events_db: "clickhouse/clickhouse-server:24.3.3.102-alpine",
      plausible: "ghcr.io/plausible/community-edition:v2.1.1",
      release: "ghcr.io/plausible/community-edition:v2.1.1",
    },
    warnings: [
      "restart-ignored", "restart-ignored", "named-volume-ephemeral", "restart-ignored", "named-volume-ephemeral",
      "named-volume-ephemeral", "bind-mount-ignored", "restart-ignored", "port-host-ip-ignored",
      // bytemark/smtp and clickhouse/clickhouse-server come from Docker Hub, not as official images.
      "docker-hub-anonymous", "docker-hub-anonymous",
    ],
  },
  {
    // A self-hostable product: ten long-running services and MinIO's createbuckets, x- anchors, and
    // the developer's docker-compose.override.yml (Mailpit, open ports) read beside the file.
    repo: "helpdesk-selfhosted",
    stackName: "berth-helpdesk-selfhosted-pr-42-acme-961130",
    publicService: "nginx",
    port: 80,
    releaseService: "web",
    release: [
      { name: "init:createbuckets", service: "createbuckets", retries: 3 },
      { name: "migrate", command: ["python", "manage.py", "migrate", "--noinput"] },
      { name: "seed", command: ["python", "manage.py", "loaddata", "demo_workspace"] },
    ],
    images: {
      web: `${ECR}/deskly/web:${SHA}`,
      worker: `${ECR}/deskly/web:${SHA}`,
      scheduler: `${ECR}/deskly/web:${SHA}`,
      api: `${ECR}/deskly/api:${SHA}`,
      postgres: lib("postgres:16-alpine"),
      redis: lib("redis:7.2-alpine"),
      meilisearch: "getmeili/meilisearch:v1.8",
      minio: "quay.io/minio/minio:RELEASE.2024-11-07T00-52-20Z",
      createbuckets: "quay.io/minio/mc:RELEASE.2024-11-05T11-29-45Z",
      nginx: `${ECR}/deskly/nginx:${SHA}`,
      mailpit: "axllent/mailpit:v1.20",
      release: `${ECR}/deskly/web:${SHA}`,
    },
    warnings: [
      "restart-ignored", "logging-replaced", "restart-ignored", "logging-replaced", "restart-ignored", "logging-replaced",
      "restart-ignored", "logging-replaced", "restart-ignored", "named-volume-ephemeral", "restart-ignored",
      "restart-ignored", "named-volume-ephemeral", "restart-ignored", "named-volume-ephemeral",
      "restart-ignored", "logging-replaced", "restart-ignored",
      // createbuckets says plain `restart: on-failure`; meilisearch and mailpit come from Docker Hub.
      "restart-capped", "docker-hub-anonymous", "docker-hub-anonymous",
    ],
  },
];

describe("real-world repositories that plan", () => {
  it.each(PLANNED)("$repo: services, images, release steps and the public endpoint are what its users expect", async (expected) => {
    const { stack } = await plan(expected.repo, expected.target);

    expect({
      stackName: stack.stackName,
      publicService: stack.publicService,
      port: stack.port,
      releaseService: stack.releaseService,
      release: stack.release,
      images: imagesOf(stack.template as Template),
      warnings: stack.warnings.map((w) => w.code),
    }).toEqual({
      stackName: expected.stackName,
      publicService: expected.publicService,
      port: expected.port,
      releaseService: expected.releaseService,
      release: expected.release,
      images: expected.images,
      warnings: expected.warnings,
    });
    expect(await lintTemplate(stack.template, expected.repo)).toEqual([]);
  });
});

describe("what the real-world templates carry", () => {
  it("env-interpolation: .env defaults and required checks, env_file lists in order, numbers, booleans and $$ arrive as the text compose would pass", async () => {
    const { stack } = await plan("env-interpolation");
    const template = stack.template as Template;

    expect(env(containerOf(template, "web"))).toEqual({
      CACHE_TTL: "300",
      DB_URL: "postgres://ledger:ledger-dev@db:5432/ledger",
      DB_USER: "ledger",
      EMPTY_ON_PURPOSE: "",
      ENABLE_METRICS: "true",
      FEATURE_FLAGS: "reports,exports",
      LOG_LEVEL: "debug",
      PORT: "8081",
      PRICE: "$9.99",
      RATIO: "0.75",
      TZ: "Europe/Berlin",
      WORKERS: "4",
    });
    expect(env(containerOf(template, "db")).POSTGRES_PASSWORD).toBe("ledger-dev");
  });

  it("fastapi-celery: YAML anchors and << merge keys give each Celery process the shared settings plus its own", async () => {
    const { stack } = await plan("fastapi-celery");
    const template = stack.template as Template;
    const worker = containerOf(template, "worker");

    expect(worker.Command).toEqual(["celery", "-A", "app.worker.celery_app", "worker", "--loglevel=INFO", "--concurrency=2"]);
    expect(env(worker)).toMatchObject({ C_FORCE_ROOT: "true", APP_ENV: "preview", SENTRY_ENVIRONMENT: "preview", DATABASE_URL: "postgresql+asyncpg://shop:shop@postgres:5432/shop" });
    expect(env(containerOf(template, "beat")).C_FORCE_ROOT).toBeUndefined();
    expect((template.Resources.BeatService as unknown as { DependsOn: string[] }).DependsOn).toEqual(["PostgresService", "RedisService", "WorkerService"]);
    expect(template.Resources.WorkerTaskDefinition!.Properties).toMatchObject({ Cpu: "512", Memory: "1024" });
  });

  it("kitchen-sink: quoted words, labels with backticks, odd service names and long repository names stay valid", async () => {
    const { stack } = await plan("kitchen-sink", PLANNED.find((e) => e.repo === "kitchen-sink")!.target);
    const template = stack.template as Template;

    expect(stack.label.length).toBeLessThanOrEqual(63);
    expect(containerOf(template, "my_worker").Command).toEqual(["node", "dist/worker.js", "--queue", "reports high", "--prefetch=10"]);
    expect((containerOf(template, "API") as unknown as { DockerLabels: Record<string, string> }).DockerLabels["traefik.http.routers.api.rule"]).toBe(
      "Host(`api.localhost`) && PathPrefix(`/v1`)",
    );
    expect(Object.keys(template.Resources).filter((id) => template.Resources[id]!.Type === "AWS::ServiceDiscovery::Service")).toEqual([
      "APIDiscovery", "MyWorkerDiscovery", "S1stResponderDiscovery", "QueueDiscovery", "DocsDiscovery",
    ]);
    expect(template.Resources.S1stResponderDiscovery!.Properties.Name).toBe(`1st-responder.${stack.label}`);
  });

  it("spring-boot-postgres: a curl healthcheck with start_period, a $$-escaped variable and a per-service size", async () => {
    const { stack } = await plan("spring-boot-postgres");
    const template = stack.template as Template;

    expect((containerOf(template, "app") as unknown as { HealthCheck: unknown }).HealthCheck).toEqual({
      Command: ["CMD", "curl", "-fsS", "http://localhost:8080/actuator/health/readiness"],
      Interval: 15,
      Timeout: 5,
      Retries: 8,
      StartPeriod: 90,
    });
    expect((containerOf(template, "db") as unknown as { HealthCheck: { Command: unknown[] } }).HealthCheck.Command).toEqual([
      "CMD-SHELL",
      { "Fn::Sub": "pg_isready -U ${!POSTGRES_USER} -d ${!POSTGRES_DB}" },
    ]);
    expect(template.Resources.AppTaskDefinition!.Properties).toMatchObject({ Cpu: "1024", Memory: "2048" });
    expect(template.Resources.DbTaskDefinition!.Properties).toMatchObject({ Cpu: "256", Memory: "512" });
  });

  it("django-celery-rabbitmq: a folded multi-line sh -c command keeps its quoted script as one word", async () => {
    const { stack } = await plan("django-celery-rabbitmq");

    expect(containerOf(stack.template as Template, "web").Command).toEqual([
      "sh",
      "-c",
      "python manage.py collectstatic --noinput &&\n       gunicorn config.wsgi:application --bind 0.0.0.0:8000 --workers 2 --access-logfile -",
    ]);
  });

  it("compose-override: the preview file replaces the command and merges the environment and healthcheck", async () => {
    const { stack } = await plan("compose-override");
    const app = containerOf(stack.template as Template, "app");

    expect(app.Command).toEqual(["node", "dist/server.js"]);
    expect(env(app)).toEqual({ DATABASE_URL: "postgres://postgres:postgres@db:5432/preview", DEBUG: "", NODE_ENV: "production" });
    expect(stack.publicService).toBe("app");
  });

  it("compose-override: the anonymous node_modules volume is not mounted, so neither the app nor the migrate step loses the image's modules", async () => {
    const { stack } = await plan("compose-override");
    const template = stack.template as Template;

    expect(containerOf(template, "app").MountPoints).toBeUndefined();
    expect(containerOf(template, "release").MountPoints).toBeUndefined();
    expect(template.Resources.AppTaskDefinition!.Properties.Volumes).toBeUndefined();
  });

  it("helpdesk-selfhosted: ten ECS services, createbuckets as a one-off task, the override's Mailpit and mail settings merged in", async () => {
    const { stack } = await plan("helpdesk-selfhosted");
    const template = stack.template as Template;
    const services = Object.entries(template.Resources).filter(([, r]) => r.Type === "AWS::ECS::Service").map(([id]) => id);

    expect(services).toEqual([
      "WebService", "WorkerService", "SchedulerService", "ApiService", "PostgresService",
      "RedisService", "MeilisearchService", "MinioService", "NginxService", "MailpitService",
    ]);
    expect(env(containerOf(template, "web")).EMAIL_URL).toBe("smtp://mailpit:1025");
    expect(env(containerOf(template, "scheduler")).EMAIL_URL).toBe("smtp://localhost:25");
    expect(env(containerOf(template, "worker")).CELERY_BROKER_URL).toBe("redis://redis:6379/1");
    expect(template.Resources.CreatebucketsTaskDefinition?.Type).toBe("AWS::ECS::TaskDefinition");
    expect(Buffer.byteLength(JSON.stringify(template))).toBeLessThan(INLINE_TEMPLATE_LIMIT);
  });
});

describe("size and determinism", () => {
  it("a typical stack (web, two Celery processes, RabbitMQ, Postgres) is about 24 KB, under half of CloudFormation's 51,200-byte inline limit", async () => {
    const { stack } = await plan("django-celery-rabbitmq");
    const bytes = Buffer.byteLength(JSON.stringify(stack.template));

    expect(bytes).toBeGreaterThan(20_000);
    expect(bytes).toBeLessThan(INLINE_TEMPLATE_LIMIT / 2);
  });

  it("telemetry-shop, trimmed to its 13 shopping services by the override the refusal advises, fits the inline limit (about 47 KB)", async () => {
    const dir = path.join(REPOS, "telemetry-shop");
    const read = (file: string) => readFileSync(path.join(dir, file), "utf8");
    const reader = createMemoryReader({
      "docker-compose.yml": read("docker-compose.yml"),
      "docker-compose.preview.yml": read("docker-compose.preview.yml"),
      ".github/preview.yml": `${read(".github/preview.yml")}compose: [docker-compose.yml, docker-compose.preview.yml]\n`,
    });
    const result = await planPreview({ reader, target: target("telemetry-shop"), baseStack: "berth-base" });
    const bytes = Buffer.byteLength(JSON.stringify(result!.stack.template));

    expect(result!.project.services.map((s) => s.name)).toEqual([
      "frontend", "frontend-proxy", "ad", "cart", "checkout", "currency", "payment", "product-catalog", "recommendation",
      "flagd", "valkey-cart", "postgresql", "otel-collector",
    ]);
    expect(bytes).toBeGreaterThan(45_000);
    expect(bytes).toBeLessThanOrEqual(INLINE_TEMPLATE_LIMIT);
  });

  it.each(["django-celery-rabbitmq", "kitchen-sink", "fastapi-celery"])("%s: the same input plans byte-identical JSON", async (repo) => {
    const first = await cli(["plan", path.join(REPOS, repo), "--repo", `acme/${repo}`, "--pr", "42", "--sha", SHA]);
    const second = await cli(["plan", path.join(REPOS, repo), "--repo", `acme/${repo}`, "--pr", "42", "--sha", SHA]);

    expect(first.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
  });
});

describe("real-world repositories that berth refuses", () => {
  it.each([
    {
      repo: "home-automation",
      args: [],
      stderr: [
        "docker-compose.yml:8: services.homeassistant.privileged: privileged containers are not allowed on Fargate; remove privileged: true",
        'docker-compose.yml:9: services.homeassistant.network_mode: network_mode "host" is not available on Fargate (every task has its own network interface); remove network_mode and reach other services by name',
        "docker-compose.yml:15: services.mosquitto.devices: host devices cannot be mapped into Fargate tasks; remove devices",
      ],
    },
    {
      repo: "missing-secret-var",
      args: [],
      stderr: ["docker-compose.yml:7: services.web.environment.ADMIN_TOKEN: required variable ADMIN_TOKEN is missing a value: ADMIN_TOKEN is required, see README"],
    },
    {
      repo: "uppercase-monorepo",
      args: [],
      stderr: [
        '.github/preview.yml:1: image: service "API": repository "acme/API" (from "acme/{service}") is not valid: use lowercase letters and digits, separated by ".", "_", "-" or "/"; rename the service in lowercase or move {service} into the tag',
        '.github/preview.yml:1: image: service "Worker": repository "acme/Worker" (from "acme/{service}") is not valid: use lowercase letters and digits, separated by ".", "_", "-" or "/"; rename the service in lowercase or move {service} into the tag',
      ],
    },
    {
      repo: "nextjs-postgres",
      args: [],
      stderr: [".github/preview.yml:2: image: the template uses {branch} but the branch is not known (berth plan takes it from --branch)"],
    },
    {
      repo: "telemetry-shop",
      args: [],
      stderr: [
        "docker-compose.yml:13: services: the preview's CloudFormation template would be 78,184 bytes for 22 services (about 4 KB each), over the 51,200 bytes CloudFormation accepts; leave services out of the preview with `profiles` (in an override file listed under `compose` in .github/preview.yml)",
      ],
    },
    {
      repo: "strapi-config-typos",
      args: [],
      stderr: [
        '.github/preview.yml:8: resources.services.strapi-db: no compose service named "strapi-db"; services: strapi, strapiDB',
        ".github/preview.yml:13: resources.services.strapi.memory: 512 MiB is not valid with cpu 512; valid values: 1024, 2048, 3072, 4096",
        '.github/preview.yml:2: service: no compose service named "cms"; services: strapi, strapiDB',
      ],
    },
  ])("$repo: exit 1 with FILE:LINE: key: message lines and nothing on stdout", async ({ repo, args, stderr }) => {
    const result = await cli(["plan", path.join(REPOS, repo), "--repo", `acme/${repo}`, "--pr", "42", "--sha", SHA, ...args]);

    expect(result).toEqual({ code: 1, stdout: "", stderr: `${stderr.join("\n")}\n` });
  });
});
