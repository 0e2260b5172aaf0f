import { afterEach, describe, expect, it } from "vitest";
import { loadCompose } from "../../src/compose/load-compose.js";
import { emptyService, type ComposeService } from "../../src/compose/model.js";
import { InputError } from "../../src/errors.js";
import { createDirReader, createMemoryReader } from "../../src/util/repo-reader.js";

const repo = (name: string) => createDirReader(new URL(`../fixtures/repos/${name}`, import.meta.url).pathname);

/** A service with the model's empty defaults, overridden by `fields`. */
function service(fields: Partial<ComposeService> & Pick<ComposeService, "name" | "line">): ComposeService {
  return { ...emptyService(fields.name, "docker-compose.yml"), ...fields };
}

async function inputError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).message;
}

describe("loadCompose: example repositories", () => {
  it("django-nginx-postgres", async () => {
    const project = await loadCompose(repo("django-nginx-postgres"));
    expect(project).toEqual({
      files: ["docker-compose.yml"],
      services: [
        service({
          name: "nginx",
          line: 3,
          image: "nginx:1.27-alpine",
          ports: [{ target: 80, published: 80, protocol: "tcp" }],
          dependsOn: [{ service: "web", condition: "service_started" }],
          volumes: [{ name: "static", target: "/srv/static", readOnly: true }],
        }),
        service({
          name: "web",
          line: 11,
          build: { context: ".", dockerfile: "docker/Dockerfile", args: {} },
          command: ["gunicorn", "xteams.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"],
          environment: {
            DJANGO_SETTINGS_MODULE: "xteams.settings.preview",
            DATABASE_URL: "postgres://xteams:xteams@db:5432/xteams",
            ALLOWED_HOSTS: "*",
          },
          expose: [8000],
          dependsOn: [{ service: "db", condition: "service_started" }],
        }),
        service({
          name: "db",
          line: 23,
          image: "postgres:15",
          environment: { POSTGRES_USER: "xteams", POSTGRES_PASSWORD: "xteams" },
        }),
      ],
      warnings: [
        { code: "version-obsolete", file: "docker-compose.yml", line: 1, message: "version: obsolete and ignored, as Docker Compose ignores it" },
        {
          code: "named-volume-ephemeral",
          file: "docker-compose.yml",
          line: 10,
          message: 'services.nginx.volumes[0]: volume "static" is task storage on Fargate: its data lives as long as the task',
        },
        {
          code: "named-volume-not-mounted",
          file: "docker-compose.yml",
          line: 20,
          message:
            'services.web.volumes[0]: volume "static" not mounted at /app/static: on Fargate it would start empty and hide the built image\'s files there; the path keeps them, on task storage',
        },
        {
          // web's mount is left out (its image keeps the collected files), but nginx still expects to read them there.
          code: "volume-not-shared",
          file: "docker-compose.yml",
          line: 29,
          message:
            'volumes.static: volume "static" is mounted by nginx at /srv/static (read-only) and web at /app/static, but Fargate tasks share no storage: nginx gets its own empty copy and will not see what web writes there; serve the files from web, build them into nginx\'s image (COPY --from), or put them in S3',
        },
      ],
    });
  });

  it("node-mysql-redis", async () => {
    const project = await loadCompose(repo("node-mysql-redis"));
    expect(project).toEqual({
      files: ["docker-compose.yml"],
      warnings: [],
      services: [
        service({
          name: "app",
          line: 2,
          build: { context: ".", args: { NODE_ENV: "staging" } },
          command: ["dumb-init", "node", "bin/server.js"],
          ports: [{ target: 3000, published: 3000, protocol: "tcp" }],
          environment: { NODE_ENV: "staging", MYSQL_HOST: "mysql", REDIS_URL: "redis://redis:6379/0" },
          dependsOn: [
            { service: "mysql", condition: "service_started" },
            { service: "redis", condition: "service_started" },
          ],
        }),
        service({
          name: "mysql",
          line: 16,
          image: "mysql:8.0",
          environment: { MYSQL_ALLOW_EMPTY_PASSWORD: "yes", MYSQL_DATABASE: "awesome" },
          healthcheck: { test: ["CMD-SHELL", "mysqladmin ping -h 127.0.0.1"], intervalSeconds: 10, timeoutSeconds: 30 },
        }),
        service({ name: "redis", line: 24, image: "redis:7-alpine" }),
      ],
    });
  });

  it("rails-postgres", async () => {
    const project = await loadCompose(repo("rails-postgres"), ["docker-compose.yml"]);
    expect(project).toEqual({
      files: ["docker-compose.yml"],
      services: [
        service({
          name: "web",
          line: 2,
          build: { context: ".", args: {} },
          command: ["bash", "-c", "bundle exec puma -C config/puma.rb"],
          ports: [{ target: 3000, published: 3000, protocol: "tcp" }],
          environment: {
            DATABASE_URL: "postgres://postgres:postgres@db:5432/shop",
            RAILS_LOG_TO_STDOUT: "true",
            RAILS_SERVE_STATIC_FILES: "true",
          },
          dependsOn: [{ service: "db", condition: "service_healthy" }],
        }),
        service({
          name: "db",
          line: 14,
          image: "postgres:16-alpine",
          environment: { POSTGRES_PASSWORD: "postgres", POSTGRES_DB: "shop" },
          healthcheck: { test: ["CMD-SHELL", "pg_isready -U postgres"], intervalSeconds: 5, timeoutSeconds: 3, retries: 10 },
          volumes: [{ name: "pgdata", target: "/var/lib/postgresql/data", readOnly: false }],
        }),
      ],
      warnings: [
        {
          code: "named-volume-ephemeral",
          file: "docker-compose.yml",
          line: 25,
          message: 'services.db.volumes[0]: volume "pgdata" is task storage on Fargate: its data lives as long as the task',
        },
      ],
    });
  });
});

describe("loadCompose: choosing files", () => {
  it.each([
    { present: ["compose.yaml", "docker-compose.yml"], chosen: "compose.yaml" },
    { present: ["compose.yml", "docker-compose.yaml"], chosen: "compose.yml" },
    { present: ["docker-compose.yaml", "docker-compose.yml"], chosen: "docker-compose.yml" },
    { present: ["docker-compose.yaml"], chosen: "docker-compose.yaml" },
  ])("picks $chosen from $present, as compose-go's DefaultFileNames", async ({ present, chosen }) => {
    const files = Object.fromEntries(present.map((f) => [f, `services:\n  s:\n    image: ${f}\n`]));
    const project = await loadCompose(createMemoryReader(files));
    expect(project.files).toEqual([chosen]);
    expect(project.services[0]?.image).toBe(chosen);
    expect(project.warnings.map((w) => `${w.code} ${w.file}: ${w.message}`)).toEqual(
      present
        .filter((f) => f !== chosen)
        .map((f) => `compose-file-ambiguous ${f}: not read: ${chosen} is read instead, as Docker Compose picks the first of several compose files; remove one, or list the files under \`compose\` in .github/preview.yml`),
    );
  });

  it.each([
    { present: ["compose.yaml", "compose.override.yaml"], files: ["compose.yaml", "compose.override.yaml"] },
    { present: ["docker-compose.yml", "docker-compose.override.yml"], files: ["docker-compose.yml", "docker-compose.override.yml"] },
    // compose-go takes the first override of its list whatever the base file's name.
    { present: ["docker-compose.yml", "compose.override.yml"], files: ["docker-compose.yml", "compose.override.yml"] },
    { present: ["compose.yml", "compose.override.yml", "docker-compose.override.yml"], files: ["compose.yml", "compose.override.yml"] },
  ])("adds the override file beside it: $files", async ({ present, files }) => {
    const contents = Object.fromEntries(present.map((f) => [f, `services:\n  s:\n    image: ${f}\n`]));
    const project = await loadCompose(createMemoryReader(contents));
    expect(project.files).toEqual(files);
    expect(project.services[0]?.image).toBe(files[1]);
  });

  it("adds no override file to the files named in .github/preview.yml, as docker compose -f", async () => {
    const reader = createMemoryReader({
      "compose.yaml": "services:\n  s:\n    image: base\n",
      "compose.override.yaml": "services:\n  s:\n    image: override\n",
    });
    const project = await loadCompose(reader, ["compose.yaml"]);
    expect(project.files).toEqual(["compose.yaml"]);
    expect(project.services[0]?.image).toBe("base");
  });

  it.each([
    { env: "COMPOSE_FILE=compose.yaml:compose.preview.yaml\n", files: ["compose.yaml", "compose.preview.yaml"] },
    { env: "COMPOSE_PATH_SEPARATOR=;\nCOMPOSE_FILE=compose.yaml;compose.preview.yaml\n", files: ["compose.yaml", "compose.preview.yaml"] },
    { env: "COMPOSE_FILE=\n", files: ["compose.yaml", "compose.override.yaml"] },
  ])("reads COMPOSE_FILE from .env: $env", async ({ env, files }) => {
    const reader = createMemoryReader({
      ".env": env,
      "compose.yaml": "services:\n  s:\n    image: base\n",
      "compose.override.yaml": "services:\n  s:\n    image: override\n",
      "compose.preview.yaml": "services:\n  s:\n    image: preview\n",
    });
    expect((await loadCompose(reader)).files).toEqual(files);
  });

  it("names the files it looked for when there is none", async () => {
    expect(await inputError(loadCompose(createMemoryReader({ "README.md": "x" })))).toBe(
      "compose.yaml: no compose file found: looked for compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml; add one or set `compose` in .github/preview.yml",
    );
  });

  it("names a listed file that is missing", async () => {
    const reader = createMemoryReader({ "compose.yaml": "services:\n  s:\n    image: x\n" });
    expect(await inputError(loadCompose(reader, ["compose.yaml", "compose.prod.yaml"]))).toBe(
      "compose.prod.yaml: compose file not found; check `compose` in .github/preview.yml",
    );
  });
});

describe("loadCompose: several files", () => {
  const base = `services:
  web:
    image: app:base
    command: npm start
    environment:
      - A=1
      - B=2
    labels: { team: web }
    ports: ["3000:3000"]
    expose: ["9000"]
    volumes:
      - data:/data
      - ./src:/app/src
    depends_on: [db]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:3000"]
      interval: 30s
      retries: 3
  db:
    image: postgres:16
volumes:
  data:
`;
  const override = `services:
  web:
    image: app:override
    command: ["node", "server.js"]
    environment:
      B: "20"
      C: "3"
    labels: [tier=front]
    ports: ["3000:3000", "9229"]
    expose: [9000, 9001]
    volumes:
      - type: volume
        source: data
        target: /data
        read_only: true
    depends_on:
      db:
        condition: service_healthy
      cache:
        condition: service_started
    healthcheck:
      test: curl -f http://localhost:3000/up
  db:
    healthcheck:
      test: ["CMD", "pg_isready"]
  cache:
    image: redis:7
`;

  it("merges like docker compose -f base -f override", async () => {
    const reader = createMemoryReader({ "compose.yaml": base, "compose.override.yaml": override });
    const project = await loadCompose(reader, ["compose.yaml", "compose.override.yaml"]);
    expect(project.files).toEqual(["compose.yaml", "compose.override.yaml"]);
    expect(project.services.map((s) => s.name)).toEqual(["web", "db", "cache"]);
    expect(project.services[0]).toEqual(
      service({
        name: "web",
        file: "compose.yaml",
        line: 2,
        image: "app:override",
        command: ["node", "server.js"],
        environment: { A: "1", B: "20", C: "3" },
        labels: { team: "web", tier: "front" },
        ports: [
          { target: 3000, published: 3000, protocol: "tcp" },
          { target: 9229, protocol: "tcp" },
        ],
        expose: [9000, 9001],
        volumes: [{ name: "data", target: "/data", readOnly: true }],
        dependsOn: [
          { service: "db", condition: "service_healthy" },
          { service: "cache", condition: "service_started" },
        ],
        healthcheck: { test: ["CMD-SHELL", "curl -f http://localhost:3000/up"], intervalSeconds: 30, timeoutSeconds: 30, retries: 3 },
      }),
    );
    expect(project.services[1]?.healthcheck).toEqual({ test: ["CMD", "pg_isready"], timeoutSeconds: 30 });
    // The bind mount stays in the merged service (different target) and is reported from the base file.
    expect(project.warnings.map((w) => `${w.code} ${w.file}:${w.line}`)).toEqual([
      "named-volume-ephemeral compose.override.yaml:12",
      "bind-mount-ignored compose.yaml:13",
    ]);
  });

  it("reports an error in the override file with that file's line", async () => {
    const reader = createMemoryReader({
      "compose.yaml": base,
      "compose.override.yaml": "services:\n  web:\n    privileged: true\n",
    });
    expect(await inputError(loadCompose(reader, ["compose.yaml", "compose.override.yaml"]))).toBe(
      "compose.override.yaml:3: services.web.privileged: privileged containers are not allowed on Fargate; remove privileged: true",
    );
  });
});

describe("loadCompose: variables", () => {
  afterEach(() => {
    delete process.env.BERTH_TEST_SECRET;
  });

  it("interpolates from the repository .env only, never from process.env", async () => {
    process.env.BERTH_TEST_SECRET = "from-the-bot";
    const reader = createMemoryReader({
      ".env": "TAG=1.2.3\nEMPTY=\n",
      "compose.yaml": `services:
  web:
    image: "app:\${TAG}"
    environment:
      LEAK: "\${BERTH_TEST_SECRET}"
      DEFAULTED: "\${BERTH_TEST_SECRET:-fallback}"
      EMPTY_DEFAULT: "\${EMPTY:-x}"
      LITERAL: "$$HOME"
`,
    });
    const project = await loadCompose(reader);
    expect(project.services[0]?.image).toBe("app:1.2.3");
    expect(project.services[0]?.environment).toEqual({ LEAK: "", DEFAULTED: "fallback", EMPTY_DEFAULT: "x", LITERAL: "$HOME" });
    expect(project.warnings).toEqual([
      {
        code: "unset-variable",
        file: "compose.yaml",
        line: 5,
        message: 'services.web.environment.LEAK: variable BERTH_TEST_SECRET is not set in .env; it interpolates to an empty string',
      },
    ]);
  });

  it("takes a bare environment key from .env, and drops it when .env lacks it", async () => {
    process.env.BERTH_TEST_SECRET = "from-the-bot";
    const reader = createMemoryReader({
      ".env": "FROM_DOTENV=yes\n",
      "compose.yaml": "services:\n  web:\n    image: x\n    environment: [FROM_DOTENV, BERTH_TEST_SECRET, EMPTY=]\n",
    });
    const project = await loadCompose(reader);
    expect(project.services[0]?.environment).toEqual({ FROM_DOTENV: "yes", EMPTY: "" });
  });

  it("refuses a required variable that .env lacks, naming the key", async () => {
    const reader = createMemoryReader({ "compose.yaml": "services:\n  web:\n    image: ${IMAGE:?set IMAGE in .env}\n" });
    expect(await inputError(loadCompose(reader))).toBe(
      "compose.yaml:3: services.web.image: required variable IMAGE is missing a value: set IMAGE in .env",
    );
  });

  it("reads .env beside the first compose file", async () => {
    const reader = createMemoryReader({
      ".env": "TAG=root\n",
      "deploy/.env": "TAG=deploy\n",
      "deploy/compose.yaml": "services:\n  web:\n    image: app:${TAG}\n",
    });
    const project = await loadCompose(reader, ["deploy/compose.yaml"]);
    expect(project.services[0]?.image).toBe("app:deploy");
  });

  it("reports a broken .env line", async () => {
    const reader = createMemoryReader({ ".env": "OK=1\nNOT OK=2\n", "compose.yaml": "services:\n  web:\n    image: x\n" });
    expect(await inputError(loadCompose(reader))).toBe('.env:2: variable name "NOT OK" cannot contain a space');
  });
});

describe("loadCompose: env_file", () => {
  it("reads env files in order, relative to the compose file, environment winning", async () => {
    const reader = createMemoryReader({
      "app/.env": "REGION=eu\n",
      "app/compose.yaml": `services:
  web:
    image: x
    env_file:
      - common.env
      - path: ./local.env
        required: false
      - path: ../shared/extra.env
    environment:
      WIN: compose
`,
      "app/common.env": "A=1\nWIN=file\nURL=https://$REGION.example\n",
      "shared/extra.env": "A=2\nB='two'\n",
    });
    const project = await loadCompose(reader, ["app/compose.yaml"]);
    expect(project.services[0]?.environment).toEqual({ A: "2", WIN: "compose", URL: "https://eu.example", B: "two" });
  });

  it("passes the values of a `format: raw` env file as written, as docker run --env-file does: quotes, $ and trailing spaces kept", async () => {
    const reader = createMemoryReader({
      ".env": "REGION=eu\n",
      "compose.yaml": "services:\n  web:\n    image: x\n    env_file:\n      - path: raw.env\n        format: raw\n      - path: parsed.env\n        format: dotenv\n",
      "raw.env": '# a comment\n  PASSWORD="p@ss$word"\nGREETING=hello world  \nURL=https://$REGION.example\nREGION\nUNSET\n\nEMPTY=\n',
      "parsed.env": 'PARSED="p@ss$$word"\n',
    });
    const project = await loadCompose(reader);
    expect(project.services[0]?.environment).toEqual({
      PASSWORD: '"p@ss$word"',
      GREETING: "hello world  ",
      URL: "https://$REGION.example",
      REGION: "eu",
      EMPTY: "",
      PARSED: "p@ss$word",
    });
  });

  it("resolves paths in an override file relative to the first compose file, as Compose does; an extended file's paths stay its own", async () => {
    const reader = createMemoryReader({
      "compose.yaml": "services:\n  web:\n    build: .\n",
      "preview.env": "FROM=root\n",
      ".github/preview/preview.env": "FROM=override-dir\n",
      ".github/preview/compose.yaml": `services:
  web:
    build: { context: ./app }
    env_file: preview.env
  worker:
    extends: { file: base.yaml, service: worker }
`,
      ".github/preview/base.yaml": "services:\n  worker:\n    image: w\n    env_file: preview.env\n",
    });
    const project = await loadCompose(reader, ["compose.yaml", ".github/preview/compose.yaml"]);
    const [web, worker] = project.services;
    expect(web?.environment).toEqual({ FROM: "root" });
    expect(web?.build?.context).toBe("app");
    expect(worker?.environment).toEqual({ FROM: "override-dir" });
  });

  it.each([
    {
      name: "a missing required env file",
      compose: "services:\n  web:\n    image: x\n    env_file: missing.env\n",
      expected: 'compose.yaml:4: services.web.env_file: env file "missing.env" not found; add it to the repository or mark it required: false',
    },
    {
      name: "an env file outside the repository",
      compose: "services:\n  web:\n    image: x\n    env_file: [../../etc/passwd]\n",
      expected: 'compose.yaml:4: services.web.env_file[0]: env file "../../etc/passwd" is outside the repository; keep env files in the repository',
    },
    {
      name: "an absolute env file path",
      compose: "services:\n  web:\n    image: x\n    env_file:\n      - path: /etc/environment\n",
      expected: 'compose.yaml:5: services.web.env_file[0]: env file "/etc/environment" is outside the repository; keep env files in the repository',
    },
    {
      name: "an env file format Compose does not read",
      compose: "services:\n  web:\n    image: x\n    env_file:\n      - path: bad.env\n        format: yaml\n",
      expected: 'compose.yaml:6: services.web.env_file[0].format: unsupported env_file format "yaml"; Compose reads "dotenv" (the default) and "raw"',
    },
    {
      name: "a raw env file with a space in a key",
      compose: "services:\n  web:\n    image: x\n    env_file:\n      - path: spaced.env\n        format: raw\n",
      expected: 'spaced.env:2: variable "MY KEY" contains whitespace',
    },
    {
      name: "a broken env file",
      compose: "services:\n  web:\n    image: x\n    env_file: bad.env\n",
      expected: "bad.env:2: unterminated quoted value 'oops",
    },
  ])("refuses $name", async ({ compose, expected }) => {
    const reader = createMemoryReader({ "compose.yaml": compose, "bad.env": "A=1\nB='oops\n", "spaced.env": "A=1\nMY KEY=2\n" });
    expect(await inputError(loadCompose(reader))).toBe(expected);
  });
});

describe("loadCompose: !reset and !override in an override file", () => {
  it("drops what the earlier file set under !reset and replaces it under !override, as compose-go merges them", async () => {
    const reader = createMemoryReader({
      "compose.yaml": `services:
  web:
    image: app
    ports: ["8080:80"]
    environment:
      DEBUG: "1"
      SECRET: dev
    healthcheck:
      test: ["CMD", "true"]
  db:
    image: postgres
volumes:
  data: {}
`,
      "compose.override.yaml": `services:
  web:
    ports: !reset []
    healthcheck: !reset null
    environment: !override
      SECRET: preview
  db:
    volumes: !override []
`,
    });
    const project = await loadCompose(reader);
    const web = project.services.find((s) => s.name === "web")!;

    expect(project.files).toEqual(["compose.yaml", "compose.override.yaml"]);
    expect(web.ports).toEqual([]);
    expect(web.healthcheck).toBeUndefined();
    expect(web.environment).toEqual({ SECRET: "preview" });
  });

  it("a !reset in a single file leaves the value out, so the schema never sees the placeholder", async () => {
    const project = await loadCompose(createMemoryReader({ "compose.yaml": "services:\n  web:\n    image: app\n    healthcheck: !reset null\n    ports: !reset\n" }));

    expect(project.services[0]?.healthcheck).toBeUndefined();
    expect(project.services[0]?.ports).toEqual([]);
  });
});

describe("loadCompose: extends", () => {
  it("resolves extends within the file and from another file, recursively", async () => {
    const reader = createMemoryReader({
      "compose.yaml": `services:
  base:
    image: app
    environment: { LEVEL: base, KEEP: yes }
    command: npm start
  worker:
    extends: base
    environment: { LEVEL: worker }
    command: npm run worker
  api:
    extends:
      file: common/services.yaml
      service: web
    ports: ["8080:8080"]
`,
      "common/services.yaml": `services:
  root:
    image: runtime:1
    env_file: web.env
  web:
    extends: root
    healthcheck:
      test: ["CMD", "true"]
`,
      "common/web.env": "FROM_FILE=1\n",
    });
    const project = await loadCompose(reader);
    expect(project.services.map((s) => s.name)).toEqual(["base", "worker", "api"]);
    expect(project.services[1]).toEqual(
      service({
        name: "worker",
        file: "compose.yaml",
        line: 6,
        image: "app",
        environment: { LEVEL: "worker", KEEP: "yes" },
        command: ["npm", "run", "worker"],
      }),
    );
    expect(project.services.find((s) => s.name === "api")).toEqual(
      service({
        name: "api",
        file: "compose.yaml",
        line: 10,
        image: "runtime:1",
        environment: { FROM_FILE: "1" },
        healthcheck: { test: ["CMD", "true"], timeoutSeconds: 30 },
        ports: [{ target: 8080, published: 8080, protocol: "tcp" }],
      }),
    );
  });

  it.each([
    {
      name: "a cycle",
      compose: "services:\n  a:\n    extends: b\n  b:\n    extends: a\n",
      expected: "compose.yaml:5: services.b.extends: extends forms a cycle: a -> b -> a",
    },
    {
      name: "a missing base service",
      compose: "services:\n  a:\n    image: x\n    extends: nope\n",
      expected: 'compose.yaml:4: services.a.extends: service "nope" not found in compose.yaml',
    },
    {
      name: "a missing base file",
      compose: "services:\n  a:\n    extends:\n      service: web\n      file: other.yaml\n",
      expected: 'compose.yaml:5: services.a.extends.file: file "other.yaml" not found',
    },
  ])("refuses $name", async ({ compose, expected }) => {
    expect(await inputError(loadCompose(createMemoryReader({ "compose.yaml": compose })))).toBe(expected);
  });
});
