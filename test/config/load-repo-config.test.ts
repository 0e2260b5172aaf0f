import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadRepoConfig, loadRepoConfigSource } from "../../src/config/load-repo-config.js";
import type { RepoConfig } from "../../src/config/schema.js";
import { InputError } from "../../src/errors.js";
import { createMemoryReader } from "../../src/util/repo-reader.js";

const F = ".github/preview.yml";

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/config/${name}.yml`, import.meta.url), "utf8");
}

async function inputError(files: Record<string, string>): Promise<InputError> {
  const error = await loadRepoConfig(createMemoryReader(files)).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof InputError)) throw new Error(`expected an InputError, got ${String(error)}`);
  return error;
}

async function errorLines(yaml: string): Promise<string[]> {
  return (await inputError({ [F]: yaml })).message.split("\n");
}

const DEFAULTS = {
  healthcheck: { path: "/", grace_period: 120 },
  release: {},
  environment: {},
  secrets: {},
  compose_secrets: {},
  resources: { services: {} },
  forks: "approve",
  drafts: true,
  deploy: { mode: "auto", label: "preview", bots: false },
  access: {},
} satisfies Partial<RepoConfig>;

describe("loadRepoConfig: valid configs", () => {
  it.each<{ name: string; expected: RepoConfig }>([
    {
      name: "django-nginx-postgres",
      expected: {
        ...DEFAULTS,
        service: "nginx",
        port: 80,
        image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/xteams:{sha}",
        release: { migrate: "python manage.py migrate --noinput", seed: "python manage.py loaddata fixtures/demo.json" },
      },
    },
    {
      name: "node-mysql-redis",
      expected: {
        ...DEFAULTS,
        service: "app",
        image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/car-throttle/awesome:{short_sha}",
        release: { migrate: "node scripts/migrate.js", seed: "node scripts/seed.js" },
        resources: { cpu: 512, memory: 1024, services: {} },
      },
    },
    {
      name: "rails-postgres",
      expected: {
        ...DEFAULTS,
        compose: "docker-compose.yml",
        service: "web",
        port: 3000,
        healthcheck: { path: "/up", grace_period: 120 },
        image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:{sha}",
        release: { migrate: "bin/rails db:migrate", seed: "bin/rails db:seed" },
        environment: { RAILS_ENV: "staging" },
        secrets: { SECRET_KEY_BASE: "arn:aws:ssm:us-east-1:123456789012:parameter/shop/preview/secret_key_base" },
      },
    },
    {
      name: "maximal",
      expected: {
        compose: ["docker-compose.yml", "docker-compose.preview.yml"],
        service: "web",
        port: 8080,
        healthcheck: { path: "/healthz?full=1", grace_period: 180 },
        image: "123456789012.dkr.ecr.eu-central-1.amazonaws.com/acme/{service}:pr{pr}-{branch}-{short_sha}",
        release: { migrate: ["bundle", "exec", "rails", "db:migrate"], seed: "bin/rails db:seed", service: "worker" },
        environment: { RAILS_ENV: "staging", WEB_CONCURRENCY: "2", FEATURE_FLAGS_ON: "true", _PRIVATE: "" },
        secrets: {
          SECRET_KEY_BASE: "arn:aws:ssm:eu-central-1:123456789012:parameter/acme/preview/secret_key_base",
          STRIPE_KEY: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:acme/stripe-AbCdEf",
        },
        compose_secrets: {},
        resources: { cpu: 512, memory: 1024, services: { worker: { cpu: 1024, memory: 2048 } } },
        forks: "never",
        drafts: false,
        deploy: {
          mode: "label",
          label: "deploy-preview",
          branches: ["feature/**", "!feature/wip-*"],
          base_branches: ["main"],
          paths: ["app/**", "db/**", "!docs/**"],
          bots: true,
        },
        access: {
          allow_cidrs: ["203.0.113.0/24", "2001:db8::/32"],
          oidc: {
            issuer: "https://accounts.example.com",
            authorization_endpoint: "https://accounts.example.com/authorize",
            token_endpoint: "https://accounts.example.com/token",
            user_info_endpoint: "https://accounts.example.com/userinfo",
            client_id: "berth-previews",
            client_secret: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:acme/oidc-AbCdEf",
            scope: "openid",
          },
        },
      },
    },
  ])("$name parses to the exact config", async ({ name, expected }) => {
    await expect(loadRepoConfig(createMemoryReader({ [F]: fixture(name) }))).resolves.toStrictEqual(expected);
  });

  it.each([
    ["seconds", "300", 300],
    ["zero", "0", 0],
    ["seconds with a unit", "90s", 90],
    ["minutes", "3m", 180],
    ["minutes and seconds", "1m30s", 90],
    ["hours", "1h", 3600],
  ])("reads a health check grace period in %s", async (_name, value, seconds) => {
    const config = await loadRepoConfig(createMemoryReader({ [F]: `healthcheck:\n  grace_period: ${value}\n` }));
    expect(config?.healthcheck).toStrictEqual({ path: "/", grace_period: seconds });
  });

  it.each([
    ["minutes", "sleep_after: 30m\n", { sleep_after: 1800 }],
    ["days", "expire_after: 7d\n", { expire_after: 604_800 }],
    ["days and hours, both keys", "sleep_after: 2h\nexpire_after: 1d12h\n", { sleep_after: 7200, expire_after: 129_600 }],
  ])("reads idle windows in %s", async (_name, yaml, expected) => {
    const config = await loadRepoConfig(createMemoryReader({ [F]: yaml }));
    expect(config).toStrictEqual({ ...DEFAULTS, ...expected });
  });

  it("takes an SSM parameter by name, with its leading slash", async () => {
    const config = await loadRepoConfig(createMemoryReader({ [F]: "secrets:\n  STRIPE_KEY: /shop/preview/stripe_key\n" }));
    expect(config?.secrets).toStrictEqual({ STRIPE_KEY: "/shop/preview/stripe_key" });
  });

  it("applies every default to an empty mapping", async () => {
    await expect(loadRepoConfig(createMemoryReader({ [F]: "{}\n" }))).resolves.toStrictEqual(DEFAULTS);
  });
});

describe("loadRepoConfig: which file", () => {
  it("returns undefined when the repository has no config", async () => {
    await expect(loadRepoConfig(createMemoryReader({ "compose.yaml": "services: {}\n" }))).resolves.toBeUndefined();
  });

  it("reads .github/preview.yaml and names it in messages", async () => {
    const reader = createMemoryReader({ ".github/preview.yaml": "port: 80\n" });
    await expect(loadRepoConfig(reader)).resolves.toStrictEqual({ ...DEFAULTS, port: 80 });
    const error = await inputError({ ".github/preview.yaml": "drafts: 1\n" });
    expect(error.message).toBe(".github/preview.yaml:1: drafts: expected true or false, got 1");
  });

  it("refuses both .github/preview.yml and .github/preview.yaml", async () => {
    const error = await inputError({ [F]: "port: 80\n", ".github/preview.yaml": "port: 81\n" });
    expect(error.diagnostics).toStrictEqual([
      { file: ".github/preview.yaml", path: "", message: ".github/preview.yml exists too; keep only one of the two files" },
    ]);
  });

  it("says which file and line each key of a valid config stands on", async () => {
    const source = await loadRepoConfigSource(createMemoryReader({ [F]: fixture("rails-postgres") }));
    expect(source?.file).toBe(F);
    expect([source?.lineOf(["release", "seed"]), source?.lineOf(["secrets", "SECRET_KEY_BASE"])]).toStrictEqual([9, 13]);
  });
});

const ARN_EXPECTED =
  "expected an SSM parameter name with a leading slash (/<path>/<name>, in the preview's region), an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>) or a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); a plain value is never accepted";
const IMAGE_EXPECTED = "expected <registry>/<repository>:<tag>, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:{sha}";
const PLACEHOLDERS = "use {sha}, {short_sha}, {pr}, {branch} or {service}";
const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

describe("loadRepoConfig: invalid configs", () => {
  it.each<{ name: string; yaml: string; expected: string[] }>([
    {
      name: "YAML syntax: a quote never closed",
      yaml: 'service: "web\nport: 80\n',
      expected: [`${F}:3: invalid YAML: Missing closing "quote`],
    },
    {
      name: "YAML syntax: tab indentation",
      yaml: "release:\n\tmigrate: x\n",
      expected: [`${F}:2: invalid YAML: Tabs are not allowed as indentation`],
    },
    {
      name: "YAML: a key twice",
      yaml: "service: web\nport: 80\nservice: app\n",
      expected: [`${F}:3: invalid YAML: Map keys must be unique`],
    },
    {
      name: "empty file",
      yaml: "",
      expected: [`${F}: the file is empty; expected a mapping of keys such as image, service and release`],
    },
    {
      name: "only comments",
      yaml: "# previews, some day\n",
      expected: [`${F}: the file is empty; expected a mapping of keys such as image, service and release`],
    },
    {
      name: "top level is a list",
      yaml: "- service: web\n",
      expected: [`${F}:1: expected a mapping of keys such as image, service and release, got a list`],
    },
    {
      name: "top level is a string",
      yaml: "\nweb\n",
      expected: [`${F}:2: expected a mapping of keys such as image, service and release, got "web"`],
    },
    {
      name: "port is a service name",
      yaml: `service: web\nimage: ${ECR}/shop:{sha}\nrelease:\n  migrate: bin/migrate\nport: web\n`,
      expected: [`${F}:5: port: expected an integer from 1 to 65535, got "web"`],
    },
    {
      name: "port out of range",
      yaml: "port: 70000\n",
      expected: [`${F}:1: port: expected an integer from 1 to 65535, got 70000`],
    },
    {
      name: "port not an integer",
      yaml: "port: 80.5\n",
      expected: [`${F}:1: port: expected an integer from 1 to 65535, got 80.5`],
    },
    {
      name: "misspelt top-level key",
      yaml: "service: web\nrelase:\n  migrate: bin/migrate\n",
      expected: [`${F}:2: relase: unknown key (did you mean "release"?)`],
    },
    {
      name: "unknown top-level key with nothing close",
      yaml: "ttl: 3d\n",
      expected: [
        `${F}:1: ttl: unknown key; allowed keys: compose, profiles, service, port, healthcheck, image, release, environment, secrets, compose_secrets, resources, forks, drafts, deploy, access, sleep_after, expire_after`,
      ],
    },
    {
      name: "deploy rules that cannot mean anything",
      yaml: 'deploy:\n  mode: labels\n  paths: ["!docs/**"]\n  branches: []\n',
      expected: [
        `${F}:2: deploy.mode: expected "auto", "label" or "command", got "labels"`,
        `${F}:3: deploy.paths: needs at least one path pattern without \`!\`: one that includes`,
        `${F}:4: deploy.branches: expected a list of branch globs such as "feature/**", "!feature/wip-*", got an empty list`,
      ],
    },
    {
      name: "access networks that are not networks",
      yaml: "access:\n  allow_cidrs:\n    - 203.0.113.0\n    - 10.0.0.0/33\n    - ::/0\n",
      expected: [
        `${F}:3: access.allow_cidrs[0]: must be an IPv4 or IPv6 network in CIDR notation, e.g. 203.0.113.0/24 or 2001:db8::/32`,
        `${F}:4: access.allow_cidrs[1]: must be an IPv4 or IPv6 network in CIDR notation, e.g. 203.0.113.0/24 or 2001:db8::/32`,
      ],
    },
    {
      name: "more access networks than a load balancer rule takes",
      yaml: 'access:\n  allow_cidrs: ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24", "10.0.0.0/8", "172.16.0.0/12"]\n',
      expected: [`${F}:2: access.allow_cidrs: at most 4 networks: a load balancer rule evaluates at most 5 values, and the preview's host name takes one`],
    },
    {
      name: "sign-in with a plain client secret and an http issuer",
      yaml: "access:\n  oidc:\n    issuer: http://accounts.example.com\n    authorization_endpoint: https://accounts.example.com/authorize\n    token_endpoint: https://accounts.example.com/token\n    client_id: berth\n    client_secret: s3cr3t-value\n",
      expected: [
        `${F}:2: access.oidc.user_info_endpoint: missing; expected the user info endpoint's https:// URL (the provider's <issuer>/.well-known/openid-configuration lists it)`,
        `${F}:3: access.oidc.issuer: must be the identity provider's https:// URL`,
        `${F}:7: access.oidc.client_secret: expected a Secrets Manager secret ARN whose value is the client secret; a plain value is never accepted`,
      ],
    },
    {
      name: "misspelt nested keys",
      yaml: "healthcheck:\n  pth: /up\nrelease:\n  sed: bin/seed\n",
      expected: [`${F}:2: healthcheck.pth: unknown key (did you mean "path"?)`, `${F}:4: release.sed: unknown key (did you mean "seed"?)`],
    },
    {
      name: "compose list with a number",
      yaml: "compose:\n  - compose.yml\n  - 5\n",
      expected: [`${F}:3: compose[1]: expected a non-empty string, got 5`],
    },
    {
      name: "compose as a mapping",
      yaml: "compose: {file: compose.yml}\n",
      expected: [`${F}:1: compose: expected a file path or a non-empty list of file paths, got a mapping`],
    },
    {
      name: "health check path not absolute",
      yaml: "healthcheck:\n  path: up\n",
      expected: [`${F}:2: healthcheck.path: expected a URL path starting with "/", without spaces, at most 1024 characters, got "up"`],
    },
    {
      name: "health check left blank",
      yaml: "healthcheck:\n",
      expected: [`${F}:1: healthcheck: expected a mapping with the keys path, grace_period, got an empty value`],
    },
    {
      name: "image: unknown placeholders, each named once",
      yaml: `image: ${ECR}/shop:{commit}-{SHA}-{commit}\n`,
      expected: [`${F}:1: image: unknown placeholder {commit}; ${PLACEHOLDERS}`, `${F}:1: image: unknown placeholder {SHA}; ${PLACEHOLDERS}`],
    },
    {
      name: "image without a registry",
      yaml: "image: shop:{sha}\n",
      expected: [`${F}:1: image: "shop:{sha}" has no registry; ${IMAGE_EXPECTED}`],
    },
    {
      name: "image without a tag",
      yaml: `image: ${ECR}/shop\n`,
      expected: [`${F}:1: image: "${ECR}/shop" has no tag; ${IMAGE_EXPECTED}`],
    },
    {
      name: "image with {branch} in the repository",
      yaml: `image: ${ECR}/{branch}:{sha}\n`,
      expected: [`${F}:1: image: {branch} may only appear in the tag, after the last ":"`],
    },
    {
      name: "image repository in upper case",
      yaml: `image: ${ECR}/Shop:{sha}\n`,
      expected: [`${F}:1: image: repository "Shop" is not valid: use lowercase letters and digits, separated by ".", "_", "-" or "/"`],
    },
    {
      name: "image tag starting with a dash",
      yaml: `image: ${ECR}/shop:-{sha}\n`,
      expected: [`${F}:1: image: tag "-{sha}" is not valid: use letters, digits, "_", "." and "-", not starting with "." or "-"`],
    },
    {
      name: "image as a number",
      yaml: "image: 5\n",
      expected: [`${F}:1: image: expected an image reference, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:{sha}, got 5`],
    },
    {
      name: "secret given as a plain value",
      yaml: "secrets:\n  DB_PASSWORD: hunter2-s3cr3t\n",
      expected: [`${F}:2: secrets.DB_PASSWORD: ${ARN_EXPECTED}`],
    },
    {
      name: "secret given as an SSM parameter name without its leading slash",
      yaml: "secrets:\n  STRIPE_KEY: shop/preview/stripe_key\n",
      expected: [`${F}:2: secrets.STRIPE_KEY: ${ARN_EXPECTED}`],
    },
    {
      name: "secret given as a path with a space",
      yaml: "secrets:\n  STRIPE_KEY: /shop/preview/stripe key\n",
      expected: [`${F}:2: secrets.STRIPE_KEY: ${ARN_EXPECTED}`],
    },
    {
      name: "health check grace period in an unknown unit",
      yaml: "healthcheck:\n  grace_period: 2 minutes\n",
      expected: [`${F}:2: healthcheck.grace_period: expected seconds from 0 to 2147483647 (e.g. 180), or a duration such as 90s, 3m or 1m30s, got "2 minutes"`],
    },
    {
      name: "health check grace period below zero",
      yaml: "healthcheck:\n  grace_period: -5\n",
      expected: [`${F}:2: healthcheck.grace_period: expected seconds from 0 to 2147483647 (e.g. 180), or a duration such as 90s, 3m or 1m30s, got -5`],
    },
    {
      name: "health check grace period longer than ECS allows",
      yaml: "healthcheck:\n  grace_period: 600000h\n",
      expected: [`${F}:2: healthcheck.grace_period: must be at most 2147483647 seconds, as ECS allows`],
    },
    {
      name: "sleep_after in seconds",
      yaml: "sleep_after: 90s\n",
      expected: [`${F}:1: sleep_after: expected a duration from 5m to 7d in days, hours and minutes, such as 30m, 2h, 7d or 1d12h, got "90s"`],
    },
    {
      name: "sleep_after shorter than the load balancer's counts allow",
      yaml: "sleep_after: 1m\n",
      expected: [`${F}:1: sleep_after: must be from 5m to 7d, got 1m`],
    },
    {
      name: "expire_after as a bare number",
      yaml: "expire_after: 7\n",
      expected: [`${F}:1: expire_after: expected a duration from 1h to 365d in days, hours and minutes, such as 30m, 2h, 7d or 1d12h, got 7`],
    },
    {
      name: "expire_after no longer than sleep_after",
      yaml: "sleep_after: 2h\nexpire_after: 1h\n",
      expected: [`${F}:2: expire_after: must be longer than sleep_after (2h): a preview would be removed before it ever slept`],
    },
    {
      name: "secret given as a number",
      yaml: "secrets:\n  PIN: 12345678\n",
      expected: [`${F}:2: secrets.PIN: ${ARN_EXPECTED}`],
    },
    {
      name: "secret ARN of another service",
      yaml: "secrets:\n  TOKEN: arn:aws:s3:::bucket/token\n",
      expected: [`${F}:2: secrets.TOKEN: ${ARN_EXPECTED}`],
    },
    {
      name: "secrets written as one string",
      yaml: "secrets: hunter2-s3cr3t\n",
      expected: [`${F}:1: secrets: expected a mapping of variable names to SSM parameter names or ARNs, or Secrets Manager ARNs; a plain value is never accepted`],
    },
    {
      name: "variable names that are not names",
      yaml: "environment:\n  1ST: x\nsecrets:\n  db-password: arn:aws:ssm:us-east-1:123456789012:parameter/db\n",
      expected: [
        `${F}:2: environment.1ST: invalid key; expected a variable name (letters, digits and "_", not starting with a digit)`,
        `${F}:4: secrets.db-password: invalid key; expected a variable name (letters, digits and "_", not starting with a digit)`,
      ],
    },
    {
      name: "a variable both plain and secret",
      yaml: "environment:\n  DATABASE_URL: postgres://db/app\nsecrets:\n  DATABASE_URL: arn:aws:ssm:us-east-1:123456789012:parameter/db\n",
      expected: [`${F}:4: secrets.DATABASE_URL: also set in environment; a variable comes from environment or from secrets, not both`],
    },
    {
      name: "environment values that are not scalars",
      yaml: "environment:\n  EMPTY:\n  NESTED:\n    a: 1\n",
      expected: [
        `${F}:2: environment.EMPTY: expected a string, number or boolean (quote a value that starts with "{": "{url}"), got an empty value`,
        `${F}:3: environment.NESTED: expected a string, number or boolean (quote a value that starts with "{": "{url}"), got a mapping`,
      ],
    },
    {
      name: "environment as a list, compose style",
      yaml: "environment:\n  - RAILS_ENV=staging\n",
      expected: [`${F}:1: environment: expected a mapping of variable names to values, got a list`],
    },
    {
      name: "release steps that are empty",
      yaml: 'release:\n  migrate: []\n  seed: "   "\n',
      expected: [
        `${F}:2: release.migrate: expected a non-empty list of non-empty strings, got an empty list`,
        `${F}:3: release.seed: expected a non-blank command, got "   "`,
      ],
    },
    {
      name: "release step left blank or with an empty argument",
      yaml: 'release:\n  migrate:\n  seed: [rake, ""]\n',
      expected: [
        `${F}:2: release.migrate: expected a command: a non-empty string or a non-empty list of strings, got an empty value`,
        `${F}:3: release.seed[1]: expected a non-empty string, got ""`,
      ],
    },
    {
      name: "resources written as text",
      yaml: 'resources:\n  cpu: "1 vCPU"\n  memory: 2GB\n',
      expected: [
        `${F}:2: resources.cpu: expected CPU units as an integer: 256 (.25 vCPU), 512, 1024, 2048, 4096, 8192 or 16384, got "1 vCPU"`,
        `${F}:3: resources.memory: expected memory in MiB as an integer, e.g. 512, 1024 or 2048, got "2GB"`,
      ],
    },
    {
      name: "resources: negative memory and a fractional cpu",
      yaml: "resources:\n  cpu: 0.5\n  memory: -512\n",
      expected: [
        `${F}:2: resources.cpu: expected CPU units as an integer: 256 (.25 vCPU), 512, 1024, 2048, 4096, 8192 or 16384, got 0.5`,
        `${F}:3: resources.memory: expected memory in MiB as an integer, e.g. 512, 1024 or 2048, got -512`,
      ],
    },
    {
      name: "per-service resources: a misspelt key and a missing one",
      yaml: "resources:\n  services:\n    web:\n      cpus: 256\n      memory: 512\n    worker:\n",
      expected: [
        `${F}:3: resources.services.web.cpu: missing; expected CPU units as an integer: 256 (.25 vCPU), 512, 1024, 2048, 4096, 8192 or 16384`,
        `${F}:4: resources.services.web.cpus: unknown key (did you mean "cpu"?)`,
        `${F}:6: resources.services.worker: expected a mapping with cpu and memory, got an empty value`,
      ],
    },
    {
      name: "forks and drafts with values they do not take",
      yaml: "forks: yes\ndrafts: maybe\n",
      expected: [`${F}:1: forks: expected "approve" or "never", got "yes"`, `${F}:2: drafts: expected true or false, got "maybe"`],
    },
    {
      name: "environment placeholders that do not exist, lone braces, and {host} left unquoted",
      yaml: 'environment:\n  APP_URL: "{hostname}/app"\n  JSON: \'{"a": 1}\'\n  CLOSE: "a}b"\n  HOSTS: {host}\n',
      expected: [
        `${F}:2: environment.APP_URL: unknown placeholder {hostname}; use {url}, {host}, {pr}, {sha}, {short_sha} or {branch}, and {{ or }} for a literal brace`,
        `${F}:3: environment.JSON: unknown placeholder {"a": 1}; use {url}, {host}, {pr}, {sha}, {short_sha} or {branch}, and {{ or }} for a literal brace`,
        `${F}:4: environment.CLOSE: a single "}" closes no placeholder; write a literal } as }}`,
        `${F}:5: environment.HOSTS: expected a string, number or boolean (quote a value that starts with "{": "{url}"), got a mapping`,
      ],
    },
    {
      name: "many problems, reported in file order",
      yaml: `drafts: 0\nport: "80"\nimage: ${ECR}/shop:{hash}\nrelase: {}\n`,
      expected: [
        `${F}:1: drafts: expected true or false, got 0`,
        `${F}:2: port: expected an integer from 1 to 65535, got "80"`,
        `${F}:3: image: unknown placeholder {hash}; ${PLACEHOLDERS}`,
        `${F}:4: relase: unknown key (did you mean "release"?)`,
      ],
    },
    {
      name: "profiles as one string",
      yaml: "profiles: preview\n",
      expected: [`${F}:1: profiles: expected a list of profile names, got "preview"`],
    },
    {
      name: "a profile name with a space",
      yaml: "profiles:\n  - preview\n  - with workers\n",
      expected: [
        `${F}:3: profiles[1]: expected a profile name (letters, digits, "_", "." and "-", starting with a letter or digit) or "*", got "with workers"`,
      ],
    },
  ])("$name", async ({ yaml, expected }) => {
    expect(await errorLines(yaml)).toStrictEqual(expected);
  });

  it("locates each problem by file, line and key path", async () => {
    const error = await inputError({ [F]: "service: web\nrelease:\n  seed: []\n" });
    expect(error.diagnostics).toStrictEqual([
      { file: F, line: 3, path: "release.seed", message: "release.seed: expected a non-empty list of non-empty strings, got an empty list" },
    ]);
    expect(error.userMessage).toBe(`${F}:3: release.seed: expected a non-empty list of non-empty strings, got an empty list`);
  });

  it.each([
    { name: "as a plain string", yaml: "secrets:\n  DB_PASSWORD: hunter2-s3cr3t\n", key: "secrets.DB_PASSWORD" },
    { name: "as the whole secrets key", yaml: "secrets: hunter2-s3cr3t\n", key: "secrets" },
    { name: "as a list item", yaml: "secrets:\n  DB_PASSWORD: [hunter2-s3cr3t]\n", key: "secrets.DB_PASSWORD" },
    {
      name: "under a name also in environment",
      yaml: "environment:\n  DB_PASSWORD: x\nsecrets:\n  DB_PASSWORD: hunter2-s3cr3t\n",
      key: "secrets.DB_PASSWORD",
    },
  ])("never repeats a secret value pasted by mistake ($name)", async ({ yaml, key }) => {
    const error = await inputError({ [F]: yaml });
    expect(error.diagnostics.map((d) => d.path)).toContain(key);
    const shown = [error.message, error.userMessage, JSON.stringify(error.diagnostics)].join("\n");
    expect(shown).not.toContain("hunter2");
  });
});
