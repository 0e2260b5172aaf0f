import { describe, expect, it } from "vitest";
import { cli, container, expectPlansAsSeen, lib, plan, planArgs, SHA } from "./real-world-plan.js";

/**
 * More self-hosting compose files of open-source applications (Authentik, Plane, Kong, Paperless,
 * Saleor, MiroTalk, Docker's awesome-compose samples, ...; each file names its source), with the
 * `.github/preview.yml` a user would add, planned through `berth plan --json`: the services and
 * their images, the release steps and the warnings by code. Every template passes cfn-lint and fits
 * CloudFormation's inline limit; what Fargate cannot run is refused with `FILE:LINE: key: message`.
 */
const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

const PLANNED = [
  {
    // A compose file in a subfolder whose build context is the repository's root (../../), the Docker socket.
    repo: "appsmith",
    services: [
      `appsmith ${ECR}/appsmith:${SHA} port 80 (public)`,
      "auto_update containrrr/watchtower",
    ],
    release: [],
    codes: { "bind-mount-ignored": 2, "container-name-ignored": 1, "docker-hub-anonymous": 1, "version-obsolete": 1 },
  },
  {
    // Required variables (${PG_PASS:?...}) set in .env, .env as an env_file too, the Docker socket, ulimits.
    repo: "authentik",
    services: [
      `postgresql ${lib("postgres:16-alpine")}`,
      `redis ${lib("redis:alpine")}`,
      "server ghcr.io/goauthentik/server:2025.2.4 port 9000 (public)",
      "worker ghcr.io/goauthentik/server:2025.2.4",
    ],
    release: [],
    codes: { "bind-mount-ignored": 6, "named-volume-ephemeral": 2, "restart-ignored": 4 },
  },
  {
    // Published ports from unset variables ("${APP_PORT}:4002"), a script whose $${PUT_CALL} the shell expands.
    repo: "budibase",
    services: [
      "app-service budibase/budibase-apps",
      "worker-service budibase/budibase-worker",
      "minio-service minio/minio",
      "proxy-service envoyproxy/envoy:v1.16-latest port 10000 (public)",
      "couchdb-service apache/couchdb:3.0",
      "couch-init curlimages/curl",
    ],
    release: [],
    codes: { "docker-hub-anonymous": 6, "named-volume-ephemeral": 2, "restart-ignored": 5, "unset-variable": 12, "version-obsolete": 1 },
  },
  {
    // An image name beside build (CI pushes it instead), build args and DATABASE_URL from .env, whose own values nest variables.
    repo: "calcom",
    services: [`database ${lib("postgres:latest")}`, `calcom ${ECR}/calcom:${SHA} port 3000 (public)`],
    release: [],
    codes: { "container-name-ignored": 1, "named-volume-ephemeral": 1, "networks-ignored": 3, "restart-ignored": 2 },
  },
  {
    // Required variables from .env, defaults that nest another variable, a port from a variable on both sides.
    repo: "documenso",
    services: [
      `database ${lib("postgres:15")}`,
      "documenso documenso/documenso:latest port 3000 (public)",
    ],
    release: [],
    codes: { "bind-mount-ignored": 1, "docker-hub-anonymous": 1, "field-ignored": 1, "named-volume-ephemeral": 1, "unset-variable": 4 },
  },
  {
    // The app's settings in .env read as an env_file, APP_URL among them from ${PREVIEW_URL}; a hostname on the database.
    repo: "firefly",
    services: [
      "app fireflyiii/core:latest port 8080 (public)",
      `db ${lib("mariadb:latest")}`,
    ],
    release: [],
    codes: { "docker-hub-anonymous": 1, "hostname-ignored": 1, "named-volume-ephemeral": 2, "published-port-ignored": 1, "restart-ignored": 2, "version-obsolete": 1 },
  },
  {
    // Environment variables without a value in an anchor, filled by preview.yml's environment and secrets.
    repo: "formbricks",
    services: [
      "postgres pgvector/pgvector:pg17",
      "formbricks ghcr.io/formbricks/formbricks:latest port 3000 (public)",
    ],
    release: [],
    codes: { "bind-mount-ignored": 1, "docker-hub-anonymous": 1, "named-volume-ephemeral": 1, "restart-ignored": 2, "version-obsolete": 1 },
  },
  {
    // A list-form command, an untagged official image.
    repo: "hasura",
    services: [
      `postgres ${lib("postgres:latest")}`,
      "graphql-engine hasura/graphql-engine:v1.0.0-alpha23 port 8080 (public)",
    ],
    release: [],
    codes: { "docker-hub-anonymous": 1, "named-volume-ephemeral": 1, "restart-ignored": 2, "version-obsolete": 1 },
  },
  {
    // A file named in preview.yml's compose; two services built from different Dockerfiles of one context.
    repo: "joplin",
    services: [
      `app ${ECR}/joplin/app:${SHA} port 22300 (public)`,
      `db ${ECR}/joplin/db:${SHA}`,
    ],
    release: [],
    codes: { "container-name-ignored": 1, "version-obsolete": 1 },
  },
  {
    // A secret from a repository file, a repository folder mounted read-only under read_only, tmpfs volume drivers, the database profile left out, the image from a variable's default.
    repo: "kong",
    services: [
      `kong ${lib("kong:latest")} port 8000 (public)`,
    ],
    release: [],
    codes: { "field-ignored": 3, "named-volume-ephemeral": 2, "networks-ignored": 2, "port-host-ip-ignored": 2, "profile-skipped": 3, "restart-ignored": 1, "version-obsolete": 1 },
  },
  {
    // Anchors for two pairs of services, container_name written before the merge key, a long-syntax volume.
    repo: "listmonk",
    services: [
      `db ${lib("postgres:13-alpine")}`,
      "app listmonk/listmonk:latest port 9000 (public)",
      `demo-db ${lib("postgres:13-alpine")}`,
      "demo-app listmonk/listmonk:latest",
    ],
    release: ["migrate","seed"],
    codes: { "container-name-ignored": 4, "docker-hub-anonymous": 2, "hostname-ignored": 1, "named-volume-ephemeral": 1, "networks-ignored": 5, "published-port-ignored": 2, "restart-ignored": 4, "version-obsolete": 1 },
  },
  {
    // Host log folders that a Fargate task cannot mount.
    repo: "loki",
    services: [
      "loki grafana/loki:2.6.1",
      "promtail grafana/promtail:2.6.1",
      "grafana grafana/grafana:latest port 3000 (public)",
    ],
    release: [],
    codes: { "bind-mount-ignored": 1, "docker-hub-anonymous": 3, "networks-ignored": 4, "version-obsolete": 1 },
  },
  {
    // The documentation's example with secrets from repository files, read by both services as *_FILE; /dev/urandom from the host.
    repo: "metabase",
    services: ["metabase metabase/metabase:latest port 3000 (public)", `postgres ${lib("postgres:latest")}`],
    release: [],
    codes: { "bind-mount-ignored": 1, "container-name-ignored": 2, "docker-hub-anonymous": 1, "hostname-ignored": 2, "networks-ignored": 3, "version-obsolete": 1 },
  },
  {
    // WebRTC media port ranges over tcp and udp.
    repo: "mirotalksfu",
    services: [
      "mirotalksfu mirotalk/sfu:latest port 3010 (public)",
    ],
    release: [],
    codes: { "bind-mount-ignored": 1, "container-name-ignored": 1, "docker-hub-anonymous": 1, "hostname-ignored": 1, "restart-ignored": 1 },
  },
  {
    // The Docker socket read-only, network_mode: bridge, init, a volume with a fixed name.
    repo: "nextcloud-aio",
    services: ["nextcloud-aio-mastercontainer ghcr.io/nextcloud-releases/all-in-one:latest port 8080 (public)"],
    release: [],
    codes: { "bind-mount-ignored": 1, "container-name-ignored": 1, "field-ignored": 1, "named-volume-ephemeral": 1, "network-mode-ignored": 1, "restart-ignored": 1 },
  },
  {
    // A string healthcheck whose $$POSTGRES_USER is the shell's, version 2.1 with a healthy dependency.
    repo: "nocodb",
    services: ["nocodb nocodb/nocodb:latest port 8080 (public)", `root_db ${lib("postgres:17.3")}`],
    release: [],
    codes: { "docker-hub-anonymous": 1, "named-volume-ephemeral": 2, "restart-ignored": 2, "version-obsolete": 1 },
  },
  {
    // A bind-mounted nginx config in long syntax, a compose secret read by Postgres, a healthy dependency.
    repo: "nginx-golang-postgres",
    services: [
      `backend ${ECR}/awesome/backend:${SHA}`,
      `db ${lib("postgres:latest")}`,
      `proxy ${lib("nginx:latest")} port 80 (public)`,
    ],
    release: [],
    codes: { "named-volume-ephemeral": 1, "restart-ignored": 1 },
  },
  {
    // Its app behind the ecr profile, enabled in preview.yml; env_file {path, required: false} without the file.
    repo: "outline",
    services: [
      "outline ecr-registry-not-configured/outline:latest port 3000 (public)",
      `redis ${lib("redis:latest")}`,
      `postgres ${lib("postgres:latest")}`,
    ],
    release: ["migrate"],
    codes: { "docker-hub-anonymous": 1, "field-ignored": 1, "named-volume-ephemeral": 2, "port-host-ip-ignored": 2 },
  },
  {
    // docker.io/library/ images, an env_file that uses ${PREVIEW_URL}.
    repo: "paperless",
    services: [
      `broker ${lib("redis:8")}`,
      `db ${lib("postgres:17")}`,
      "webserver ghcr.io/paperless-ngx/paperless-ngx:latest port 8000 (public)",
      "gotenberg docker.io/gotenberg/gotenberg:8.21",
      "tika docker.io/apache/tika:latest",
    ],
    release: [],
    codes: { "bind-mount-ignored": 2, "docker-hub-anonymous": 2, "named-volume-ephemeral": 4, "restart-ignored": 5 },
  },
  {
    // One x- anchor holding every service's environment, defaults nesting unset variables, replicas from a variable, a folded entrypoint.
    repo: "plane",
    services: [
      "web makeplane/plane-frontend:latest",
      "space makeplane/plane-space:latest",
      "api makeplane/plane-backend:latest",
      "worker makeplane/plane-backend:latest",
      "beat-worker makeplane/plane-backend:latest",
      `plane-db ${lib("postgres:15.2-alpine")}`,
      `plane-redis ${lib("redis:6.2.7-alpine")}`,
      "plane-minio minio/minio",
      "createbuckets minio/mc",
      "proxy makeplane/plane-proxy:latest port 80 (public)",
    ],
    release: [],
    codes: { "container-name-ignored": 6, "docker-hub-anonymous": 8, "named-volume-ephemeral": 3, "restart-ignored": 8, "unset-variable": 9, "version-obsolete": 1 },
  },
  {
    // Build targets and args in list form, a secret file, an anonymous node_modules volume, two networks.
    repo: "react-express-mysql",
    services: [
      `backend ${ECR}/awesome/backend:${SHA}`,
      `db ${lib("mariadb:10.6.4-focal")}`,
      `frontend ${ECR}/awesome/frontend:${SHA} port 3000 (public)`,
    ],
    release: [],
    codes: { "anonymous-volume-ignored": 1, "bind-mount-ignored": 4, "named-volume-ephemeral": 1, "named-volume-not-mounted": 1, "networks-ignored": 4, "published-port-ignored": 1, "restart-ignored": 1 },
  },
  {
    // Three services built from two contexts, :Z and cached volume options, library/ images, udp ports.
    repo: "saleor",
    services: [
      `api ${ECR}/saleor/api:${SHA}`,
      `storefront ${ECR}/saleor/storefront:${SHA} port 3000 (public)`,
      `dashboard ${ECR}/saleor/dashboard:${SHA}`,
      `db ${lib("postgres:11.1-alpine")}`,
      `redis ${lib("redis:5.0-alpine")}`,
      `worker ${ECR}/saleor/worker:${SHA}`,
      "jaeger jaegertracing/all-in-one",
      "mailhog mailhog/mailhog",
    ],
    release: ["migrate"],
    codes: { "anonymous-volume-ignored": 2, "bind-mount-ignored": 7, "docker-hub-anonymous": 2, "named-volume-ephemeral": 2, "named-volume-not-mounted": 2, "networks-ignored": 7, "published-port-ignored": 5, "restart-ignored": 8, "version-obsolete": 1, "volume-not-shared": 1 },
  },
  {
    // Cassandra, stdin_open and tty, a named bridge network.
    repo: "temporal",
    services: [
      `cassandra ${lib("cassandra:3.11.9")}`,
      "temporal temporalio/auto-setup:1.10.2",
      "temporal-admin-tools temporalio/admin-tools:1.10.2",
      "temporal-web temporalio/web:1.9.2 port 8088 (public)",
    ],
    release: [],
    codes: { "container-name-ignored": 4, "docker-hub-anonymous": 3, "networks-ignored": 5, "version-obsolete": 1 },
  },
  {
    // Two services reading one .env as env_file, tty and stdin_open.
    repo: "tooljet",
    services: [
      "tooljet tooljet/tooljet-ce:latest port 80 (public)",
      "postgrest postgrest/postgrest:v10.1.1.20221215",
    ],
    release: [],
    codes: { "container-name-ignored": 1, "docker-hub-anonymous": 2, "restart-ignored": 2, "version-obsolete": 1 },
  },
];

describe("more compose files of open-source applications that plan", () => {
  it.each(PLANNED)("$repo: the services, their images, the release steps and the warnings a user sees", expectPlansAsSeen);
});

describe("what these applications' templates carry", () => {
  it("mirotalksfu: the media port ranges are ECS container port ranges over tcp and udp, beside the signalling port", async () => {
    const planned = await plan("mirotalksfu");

    expect(container(planned, "mirotalksfu").PortMappings).toEqual([
      { ContainerPort: 3010, Protocol: "tcp" },
      { ContainerPortRange: "40000-40100", Protocol: "tcp" },
      { ContainerPortRange: "40000-40100", Protocol: "udp" },
    ]);
  });

  it("plane: a default that nests unset variables interpolates them to empty strings, warned where the anchor writes them; quoted defaults keep their quotes", async () => {
    const planned = await plan("plane");
    const env = Object.fromEntries((container(planned, "api").Environment ?? []).map((e) => [e.Name, e.Value]));

    expect(env).toMatchObject({ DATABASE_URL: "postgresql://:@/", REDIS_URL: "redis://:6379/", SENTRY_DSN: '""', PGHOST: "plane-db" });
    expect(planned.warnings).toContain(
      "docker-compose.yml:19: x-app-env.environment[12]: variable PGHOST is not set in .env; it interpolates to an empty string [unset-variable]",
    );
    expect(container(planned, "plane-db").Command).toEqual(["postgres", "-c", "max_connections=1000"]);
  });

  it("formbricks: variables the compose file lists without a value come from preview.yml's environment and secrets", async () => {
    const planned = await plan("formbricks");
    const formbricks = container(planned, "formbricks");

    expect(formbricks.Environment?.map((e) => e.Name)).toEqual(["DATABASE_URL", "EMAIL_VERIFICATION_DISABLED", "NEXTAUTH_URL", "PASSWORD_RESET_DISABLED", "WEBAPP_URL"]);
    expect(formbricks.Secrets).toEqual([
      { Name: "CRON_SECRET", ValueFrom: "/preview/formbricks/cron_secret" },
      { Name: "ENCRYPTION_KEY", ValueFrom: "/preview/formbricks/encryption_key" },
      { Name: "NEXTAUTH_SECRET", ValueFrom: "/preview/formbricks/nextauth_secret" },
    ]);
  });

  it("nocodb: the string healthcheck runs in a shell, $$POSTGRES_USER left to it", async () => {
    const planned = await plan("nocodb");

    expect(container(planned, "root_db").HealthCheck).toEqual({ Command: ["CMD-SHELL", 'pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB"'], Interval: 10, Timeout: 2, Retries: 10 });
  });

  it("budibase: $${PUT_CALL} reaches the shell as ${PUT_CALL}, escaped for CloudFormation", async () => {
    const planned = await plan("budibase");

    expect(container(planned, "couch-init").Command).toEqual(["sh", "-c", { "Fn::Sub": "sleep 10 && ${!PUT_CALL}/_users && ${!PUT_CALL}/_replicator; fg;" }]);
  });

  it("calcom: DATABASE_URL is built from .env's variables, and .env's own ${PREVIEW_URL} reaches the env_file values", async () => {
    const planned = await plan("calcom");
    const env = Object.fromEntries((container(planned, "calcom").Environment ?? []).map((e) => [e.Name, e.Value]));

    expect(env.DATABASE_URL).toBe("postgresql://unicorn_user:magical_password@database:5432/calendso");
    expect(env.NEXT_PUBLIC_API_V2_URL).toEqual({ "Fn::Join": ["", ["https://", { "Fn::Join": [".", ["calcom-pr-42-acme-0000000000000000", { Ref: "BaseDomain" }]] }, "/api/v2"]] });
    expect(container(planned, "calcom").Command).toEqual(["sh", "-c", "yarn db-deploy && yarn --cwd packages/prisma seed-app-store"]);
  });

  it("paperless and firefly: ${PREVIEW_URL} in an env_file becomes the preview's address", async () => {
    const url = { "Fn::Join": ["", ["https://", { "Fn::Join": [".", [expect.stringMatching(/-pr-42-acme-/), { Ref: "BaseDomain" }]] }]] };
    const valueOf = async (repo: string, service: string, name: string) => container(await plan(repo), service).Environment?.find((e) => e.Name === name)?.Value;

    expect(await valueOf("paperless", "webserver", "PAPERLESS_URL")).toEqual(url);
    expect(await valueOf("firefly", "app", "APP_URL")).toEqual(url);
  });
});

describe("more compose files of open-source applications that berth refuses", () => {
  it.each([
    {
      // The worker runs privileged for PID namespace isolation.
      repo: "windmill",
      stderr: ["docker-compose.yml:66: services.windmill_worker.privileged: privileged containers are not allowed on Fargate; remove privileged: true"],
    },
    {
      // Every service reads ./.env, which the repository ships only as .env.example: Compose refuses too.
      repo: "hoppscotch",
      stderr: [
        'docker-compose.yml:16: services.hoppscotch-backend.env_file[0]: env file ".env" not found; add it to the repository or mark it required: false',
        'docker-compose.yml:40: services.hoppscotch-app.env_file[0]: env file ".env" not found; add it to the repository or mark it required: false',
        'docker-compose.yml:54: services.hoppscotch-sh-admin.env_file[0]: env file ".env" not found; add it to the repository or mark it required: false',
        'docker-compose.yml:68: services.hoppscotch-aio.env_file[0]: env file ".env" not found; add it to the repository or mark it required: false',
      ],
    },
    {
      repo: "invoiceninja",
      stderr: [
        "docker-compose.yml:25: services.server.extra_hosts: extra_hosts is not valid on Fargate; compose service names already resolve, use a real DNS name for anything else",
        "docker-compose.yml:33: services.app.cap_add[0]: capability SYS_ADMIN cannot be added on Fargate (only SYS_PTRACE can); remove it from cap_add",
        "docker-compose.yml:43: services.app.extra_hosts: extra_hosts is not valid on Fargate; compose service names already resolve, use a real DNS name for anything else",
        "docker-compose.yml:61: services.db.extra_hosts: extra_hosts is not valid on Fargate; compose service names already resolve, use a real DNS name for anything else",
        "docker-compose.yml:79: services.cron.extra_hosts: extra_hosts is not valid on Fargate; compose service names already resolve, use a real DNS name for anything else",
      ],
    },
  ])("$repo: exit 1 with FILE:LINE: key: message lines and nothing on stdout", async ({ repo, stderr }) => {
    const result = await cli(planArgs(repo));

    expect(result).toEqual({ code: 1, stdout: "", stderr: `${stderr.join("\n")}\n` });
  });
});
