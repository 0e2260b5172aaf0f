import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { InputError } from "../../src/errors.js";
import { planPreview } from "../../src/plan/plan-preview.js";
import { createMemoryReader } from "../../src/util/repo-reader.js";
import { cli, container, expectPlansAsSeen, lib, plan, planArgs, REPOS, SHA } from "./real-world-plan.js";

/**
 * The compose files open-source applications publish (Airflow, Mastodon, Supabase, Sentry, n8n,
 * Immich, ...; each file names its source), with the `.github/preview.yml` their users would add, planned
 * through `berth plan --json` as a user runs it: the services with their images, what runs once,
 * the public endpoint, the release steps and the warnings by code. Every template passes cfn-lint
 * and fits CloudFormation's inline limit; what cannot run is refused with `FILE:LINE: key: message`.
 */
const PLANNED = [
  {
    // Anchors with merge keys on every Airflow process, an init service the others wait for with
    // service_completed_successfully, profiles that are not enabled.
    repo: "airflow",
    services: [
      `postgres ${lib("postgres:16")}`,
      `redis ${lib("redis:7.2-bookworm")}`,
      "airflow-apiserver apache/airflow:3.0.2 port 8080 (public)",
      "airflow-scheduler apache/airflow:3.0.2",
      "airflow-dag-processor apache/airflow:3.0.2",
      "airflow-worker apache/airflow:3.0.2",
      "airflow-triggerer apache/airflow:3.0.2",
      "airflow-init apache/airflow:3.0.2 one-shot",
    ],
    release: ["init:airflow-init"],
    codes: {
      "bind-mount-ignored": 18, "docker-hub-anonymous": 6, "healthcheck-clamped": 1, "named-volume-ephemeral": 1,
      "profile-skipped": 2, "restart-ignored": 7, "starts-before-one-shot": 5, "unset-variable": 1,
    },
  },
  {
    // Five services built from one repository (two Dockerfiles), a shared media volume.
    repo: "baserow",
    services: [
      `db ${lib("postgres:11.3")}`,
      `redis ${lib("redis:6.0")}`,
      "mjml liminspace/mjml-tcpserver:0.10",
      `backend 123456789012.dkr.ecr.eu-west-1.amazonaws.com/baserow/backend:${SHA}`,
      `celery 123456789012.dkr.ecr.eu-west-1.amazonaws.com/baserow/celery:${SHA}`,
      `celery-export-worker 123456789012.dkr.ecr.eu-west-1.amazonaws.com/baserow/celery-export-worker:${SHA}`,
      `celery-beat-worker 123456789012.dkr.ecr.eu-west-1.amazonaws.com/baserow/celery-beat-worker:${SHA}`,
      `web-frontend 123456789012.dkr.ecr.eu-west-1.amazonaws.com/baserow/web-frontend:${SHA} port 3000 (public)`,
      `media 123456789012.dkr.ecr.eu-west-1.amazonaws.com/baserow/media:${SHA}`,
      `media-volume-fixer ${lib("bash:4.4")}`,
    ],
    release: ["migrate"],
    codes: {
      "container-name-ignored": 10, "docker-hub-anonymous": 1, "named-volume-ephemeral": 2, "named-volume-not-mounted": 5,
      "networks-ignored": 11, "port-host-ip-ignored": 3, "published-port-ignored": 1, "version-obsolete": 1, "volume-not-shared": 1,
    },
  },
  {
    // A service used as an anchor (`base: &base`), which Compose runs too.
    repo: "chatwoot",
    services: [
      "base chatwoot/chatwoot:latest",
      "rails chatwoot/chatwoot:latest port 3000 (public)",
      "sidekiq chatwoot/chatwoot:latest",
      "postgres pgvector/pgvector:pg16",
      `redis ${lib("redis:alpine")}`,
      "unoapi clairton/unoapi-cloud:latest",
    ],
    release: ["migrate"],
    codes: {
      "docker-hub-anonymous": 5, "named-volume-ephemeral": 6, "port-host-ip-ignored": 4, "restart-ignored": 5,
      "unset-variable": 1, "version-obsolete": 1, "volume-not-shared": 1,
    },
  },
  {
    // COMPOSE_PROFILES in .env, depends_on with required: false on services of disabled profiles,
    // a healthcheck disabled through a variable's default.
    repo: "dify",
    services: [
      `init_permissions ${lib("busybox:latest")} one-shot`,
      "api langgenius/dify-api:1.13.3",
      "worker langgenius/dify-api:1.13.3",
      "web langgenius/dify-web:1.13.3 port 3000 (public)",
      `db_postgres ${lib("postgres:15-alpine")}`,
      `redis ${lib("redis:6-alpine")}`,
    ],
    release: ["init:init_permissions"],
    codes: {
      "bind-mount-ignored": 5, "dependency-skipped": 6, "docker-hub-anonymous": 3, "healthcheck-clamped": 2,
      "networks-ignored": 3, "profile-skipped": 4, "restart-ignored": 5, "starts-before-one-shot": 2,
    },
  },
  {
    // Images pinned by digest, bind mounts whose source is a variable of .env, healthcheck: {disable: false}.
    repo: "immich",
    services: [
      "immich-server ghcr.io/immich-app/immich-server:release port 2283 (public)",
      "immich-machine-learning ghcr.io/immich-app/immich-machine-learning:release",
      "redis docker.io/valkey/valkey:8-bookworm@sha256:a137a2b60aca1a75130022d6bb96af423fefae4eb55faf395732db3544803280",
      "database ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0@sha256:32324a2f41df5de9efe1af166b7008c3f55646f8d0e00d9550c16c9822366b4a",
    ],
    release: [],
    codes: {
      "bind-mount-ignored": 3, "container-name-ignored": 4, "docker-hub-anonymous": 1, "field-ignored": 1,
      "healthcheck-without-test": 2, "named-volume-ephemeral": 1, "restart-ignored": 4, "shm-size-ignored": 1,
    },
  },
  {
    // depends_on and environment shared through anchors and aliases, `docker.io/` images.
    repo: "langfuse",
    services: [
      "langfuse-worker docker.io/langfuse/langfuse-worker:3",
      "langfuse-web docker.io/langfuse/langfuse:3 port 3000 (public)",
      "clickhouse docker.io/clickhouse/clickhouse-server",
      "minio docker.io/minio/minio",
      `redis ${lib("redis:7")}`,
      `postgres ${lib("postgres:latest")}`,
    ],
    release: [],
    codes: {
      "docker-hub-anonymous": 4, "healthcheck-clamped": 3, "named-volume-ephemeral": 4, "port-host-ip-ignored": 6,
      "published-port-ignored": 2, "restart-ignored": 6,
    },
  },
  {
    // env_file in the repository that uses ${PREVIEW_HOST}; an internal network.
    repo: "mastodon",
    services: [
      `db ${lib("postgres:14-alpine")}`,
      `redis ${lib("redis:7-alpine")}`,
      "web ghcr.io/mastodon/mastodon:v4.3.17 port 3000 (public)",
      "streaming ghcr.io/mastodon/mastodon-streaming:v4.3.17",
      "sidekiq ghcr.io/mastodon/mastodon:v4.3.17",
    ],
    release: ["migrate"],
    codes: { "bind-mount-ignored": 4, "networks-ignored": 6, "port-host-ip-ignored": 2, "restart-ignored": 5, "shm-size-ignored": 1 },
  },
  {
    // Image, restart and read_only from .env variables, one port over udp and tcp.
    repo: "mattermost",
    services: ["mattermost mattermost/mattermost-enterprise-edition:9.11.6 port 8065 (public)"],
    release: [],
    codes: { "bind-mount-ignored": 6, "docker-hub-anonymous": 1, "field-ignored": 2, "restart-ignored": 1, "version-obsolete": 1 },
  },
  {
    repo: "penpot",
    services: [
      "penpot-frontend penpotapp/frontend:latest port 80 (public)",
      "penpot-backend penpotapp/backend:latest",
      "penpot-exporter penpotapp/exporter:latest",
      `penpot-postgres ${lib("postgres:15")}`,
      `penpot-redis ${lib("redis:7")}`,
      "penpot-mailcatch sj26/mailcatcher:latest",
    ],
    release: [],
    codes: {
      "docker-hub-anonymous": 4, "field-ignored": 1, "named-volume-ephemeral": 3, "networks-ignored": 7, "published-port-ignored": 1,
      "restart-ignored": 6, "version-obsolete": 1, "volume-not-shared": 1,
    },
  },
  {
    // Three services built from one anchor (build, env_file, a bind mount of the code).
    repo: "redash",
    services: [
      `server 123456789012.dkr.ecr.us-east-1.amazonaws.com/redash:${SHA} port 5000 (public)`,
      `scheduler 123456789012.dkr.ecr.us-east-1.amazonaws.com/redash:${SHA}`,
      `worker 123456789012.dkr.ecr.us-east-1.amazonaws.com/redash:${SHA}`,
      `redis ${lib("redis:7-alpine")}`,
      "postgres pgautoupgrade/pgautoupgrade:latest",
      "email maildev/maildev",
    ],
    release: ["migrate"],
    codes: { "bind-mount-ignored": 3, "docker-hub-anonymous": 2, "published-port-ignored": 2, "restart-ignored": 3 },
  },
  {
    // Healthcheck settings from .env through an anchor, `platform: ${DOCKER_PLATFORM:-}`, external
    // volumes, a read-only bind mount of a repository folder, COMPOSE_PROFILES=errors-only.
    repo: "sentry-self-hosted",
    services: [
      "smtp tianon/exim4",
      `memcached ${lib("memcached:1.6.26-alpine")}`,
      `redis ${lib("redis:6.2.14-alpine")}`,
      `postgres ${lib("postgres:14.11")}`,
      `web-errors-only 123456789012.dkr.ecr.us-east-1.amazonaws.com/sentry/web-errors-only:${SHA}`,
      `cron 123456789012.dkr.ecr.us-east-1.amazonaws.com/sentry/cron:${SHA}`,
      `worker 123456789012.dkr.ecr.us-east-1.amazonaws.com/sentry/worker:${SHA}`,
      `sentry-cleanup 123456789012.dkr.ecr.us-east-1.amazonaws.com/sentry/sentry-cleanup:${SHA}`,
      `nginx-errors-only ${lib("nginx:1.25.4-alpine")} port 80 (public)`,
    ],
    release: ["migrate"],
    codes: {
      "bind-mount-ignored": 12, "docker-hub-anonymous": 1, "healthcheck-clamped": 4, "named-volume-ephemeral": 5,
      "named-volume-not-mounted": 4, "published-port-ignored": 1, "restart-ignored": 9, "volume-not-shared": 1,
    },
  },
  {
    // A one-shot chown service, a volume path built from a variable's default, a folded command.
    repo: "twenty",
    services: [
      `change-vol-ownership ${lib("ubuntu:latest")} one-shot`,
      "server twentycrm/twenty:latest port 3000 (public)",
      "worker twentycrm/twenty:latest",
      `db ${lib("postgres:16")}`,
      `redis ${lib("redis:latest")}`,
    ],
    release: ["init:change-vol-ownership"],
    codes: {
      "docker-hub-anonymous": 2, "field-ignored": 1, "named-volume-ephemeral": 6, "restart-ignored": 4,
      "starts-before-one-shot": 1, "unset-variable": 3, "volume-not-shared": 2,
    },
  },
  {
    repo: "umami",
    services: ["umami ghcr.io/umami-software/umami:postgresql-latest port 3000 (public)", `db ${lib("postgres:15-alpine")}`],
    release: [],
    codes: { "named-volume-ephemeral": 1, "restart-ignored": 2, "version-obsolete": 1 },
  },
];

describe("compose files of open-source applications that plan", () => {
  it.each(PLANNED)("$repo: the services, their images, the release steps and the warnings a user sees", expectPlansAsSeen);
});

describe("what the applications' templates carry", () => {
  it("airflow: the init service runs its script with the entry point /bin/bash as root, AIRFLOW_UID interpolated as Compose does", async () => {
    const planned = await plan("airflow");
    const init = container(planned, "airflow-init");

    expect(init.User).toBe("0:0");
    expect(container(planned, "airflow-worker").User).toBe("50000:0");
    expect(init.Command?.[0]).toBe("-c");
    expect(String(init.Command?.[1])).toContain('chown -R ":0" /opt/airflow/');
    expect(planned.warnings[0]).toBe(
      "docker-compose.yaml:152: services.airflow-init.command[1]: variable AIRFLOW_UID is not set in .env; it interpolates to an empty string [unset-variable]",
    );
  });

  it("dify: `disable: ${COMPOSE_WORKER_HEALTHCHECK_DISABLED:-true}` turns the worker's healthcheck off; the api keeps its own", async () => {
    const planned = await plan("dify");

    expect(container(planned, "worker").HealthCheck).toBeUndefined();
    expect(container(planned, "api").HealthCheck).toEqual({ Command: ["CMD", "curl", "-f", "http://localhost:5001/health"], Interval: 30, Timeout: 5, Retries: 3, StartPeriod: 30 });
  });

  it("mastodon: the env_file's ${PREVIEW_HOST} becomes the preview's host name in every service that reads it", async () => {
    const planned = await plan("mastodon");
    const domain = (name: string) => container(planned, name).Environment?.find((e) => e.Name === "LOCAL_DOMAIN")?.Value;

    expect(domain("web")).toEqual({ "Fn::Join": [".", ["mastodon-pr-42-acme-0000000000000000", { Ref: "BaseDomain" }]] });
    expect(domain("sidekiq")).toEqual(domain("web"));
  });

  it("sentry-self-hosted: the healthcheck anchor takes its durations and retries from .env; the cleanup's quoted crontab line stays one word", async () => {
    const planned = await plan("sentry-self-hosted");

    expect(container(planned, "redis").HealthCheck).toEqual({ Command: ["CMD-SHELL", "redis-cli ping"], Interval: 30, Timeout: 60, Retries: 10, StartPeriod: 10 });
    expect(container(planned, "sentry-cleanup").Command).toEqual(["0 0 * * * gosu sentry sentry cleanup --days 90"]);
    expect(container(planned, "cron").Environment).toContainEqual({ Name: "SENTRY_EVENT_RETENTION_DAYS", Value: "90" });
    expect(planned.warnings).toContain(
      "docker-compose.yml:17: services.redis.healthcheck.timeout: 1m30s changed to 60s: ECS allows 2s to 60s [healthcheck-clamped]",
    );
    expect(planned.warnings.filter((w) => w.includes("platform") || w.includes("hostname"))).toEqual([]);
  });

  it("mattermost: read_only from .env is false, the calls port is open over udp and tcp", async () => {
    const planned = await plan("mattermost");
    const mattermost = container(planned, "mattermost");

    expect(mattermost.ReadonlyRootFilesystem).toBeUndefined();
    expect(mattermost.PortMappings).toEqual([
      { ContainerPort: 8065, Protocol: "tcp" },
      { ContainerPort: 8443, Protocol: "udp" },
      { ContainerPort: 8443, Protocol: "tcp" },
    ]);
  });
});

describe("the plan as a terminal shows it", () => {
  it("twenty and dify: a one-shot service's sh -c script is one quoted word on its numbered line, its newlines shown as \\n", async () => {
    const release = async (repo: string) => {
      const { code, stdout } = await cli(planArgs(repo));
      expect(code).toBe(0);
      return stdout.slice(stdout.indexOf("Release, in order\n"), stdout.indexOf("\nPrice"));
    };

    expect(await release("twenty")).toBe(
      'Release, in order\n  1. init:change-vol-ownership: bash -c " chown -R 1000:1000 /tmp/server-local-data && chown -R 1000:1000 /tmp/docker-data"\n',
    );
    expect(await release("dify")).toBe(
      "Release, in order\n" +
        '  1. init:init_permissions: sh -c "FLAG_FILE=\\"/app/api/storage/.init_permissions\\"\\nif [ -f \\"\\${FLAG_FILE}\\" ]; then\\n' +
        '  echo \\"Permissions already initialized. Exiting.\\"\\n  exit 0\\nfi\\necho \\"Initializing permissions for /app/api/storage\\"\\n' +
        'chown -R 1001:1001 /app/api/storage && touch \\"\\${FLAG_FILE}\\"\\necho \\"Permissions initialized. Exiting.\\"\\n"\n',
    );
  });
});

describe("a preview.yml that names a service its profile leaves out", () => {
  it("airflow: the errors say flower and airflow-cli are left out by their profiles and how to enable them, not that they do not exist", async () => {
    const reader = createMemoryReader({
      "docker-compose.yaml": readFileSync(path.join(REPOS, "airflow", "docker-compose.yaml"), "utf8"),
      ".github/preview.yml": "service: flower\nresources:\n  services:\n    airflow-cli: { cpu: 512, memory: 1024 }\n",
    });
    const error = await planPreview({ reader, target: { owner: "acme", repo: "airflow", pr: 42, sha: SHA }, baseStack: "berth-base" }).then(
      () => undefined,
      (e: unknown) => e as InputError,
    );

    expect(error?.message.split("\n")).toEqual([
      ".github/preview.yml:4: resources.services.airflow-cli: compose service \"airflow-cli\" is left out: its profile debug is not enabled; enable it with `profiles: [debug]` in .github/preview.yml or COMPOSE_PROFILES in .env",
      ".github/preview.yml:1: service: compose service \"flower\" is left out: its profile flower is not enabled; enable it with `profiles: [flower]` in .github/preview.yml or COMPOSE_PROFILES in .env",
    ]);
  });
});

describe("compose files of open-source applications that berth refuses", () => {
  it.each([
    {
      // N8N_VERSION is left out of the example .env: Docker refuses the image too.
      repo: "n8n",
      stderr: [
        'docker-compose.yml:9: services.n8n.image: "docker.n8n.io/n8nio/n8n:" is not an image Docker can pull: the tag after ":" is empty (N8N_VERSION is not set in .env)',
        'docker-compose.yml:36: services.n8n-runner.image: "n8nio/runners:" is not an image Docker can pull: the tag after ":" is empty (N8N_VERSION is not set in .env)',
        'docker-compose.yml:9: services.n8n-worker.image: "docker.n8n.io/n8nio/n8n:" is not an image Docker can pull: the tag after ":" is empty (N8N_VERSION is not set in .env)',
        'docker-compose.yml:36: services.n8n-worker-runner.image: "n8nio/runners:" is not an image Docker can pull: the tag after ":" is empty (N8N_VERSION is not set in .env)',
      ],
    },
    {
      repo: "supabase",
      stderr: [
        "docker-compose.yml:7: services: the preview's CloudFormation template would be 58,202 bytes for 13 services (about 5 KB each), over the 51,200 bytes CloudFormation accepts; leave services out of the preview with `profiles` (in an override file listed under `compose` in .github/preview.yml)",
      ],
    },
    {
      repo: "zulip",
      stderr: [
        'docker-compose.yml:3: database: this file is written in Compose file format 1 (services such as "database", "memcache", "rabbitmq" at the top level), which Docker Compose no longer reads; indent the services under a top-level services: key',
      ],
    },
  ])("$repo: exit 1 with FILE:LINE: key: message lines and nothing on stdout", async ({ repo, stderr }) => {
    const result = await cli(planArgs(repo));

    expect(result).toEqual({ code: 1, stdout: "", stderr: `${stderr.join("\n")}\n` });
  });
});
