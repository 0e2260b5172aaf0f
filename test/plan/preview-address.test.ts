import path from "node:path";
import { describe, expect, it } from "vitest";
import { planPreview, type PreviewTarget } from "../../src/plan/plan-preview.js";
import { InputError, formatDiagnostic } from "../../src/errors.js";
import { createDirReader, createMemoryReader } from "../../src/util/repo-reader.js";
import { resolve, type IntrinsicContext } from "../fakes/aws/intrinsics.js";
import { BASE_PARAMETERS, baseParameterName } from "../../src/stack/base-stack.js";
import { lintTemplate } from "../helpers/cfn-lint.js";

/**
 * Applications that need their own public address, written as real projects write them: the
 * container environment holds the preview's real URL once CloudFormation has the base stack's
 * domain, and the compose file still runs unchanged on a laptop.
 */
const REPOS = path.join(import.meta.dirname, "..", "fixtures", "repos");
const SHA = "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e";
/** Planned without the operator's host key: the host's secret part is a stand-in. */
const HOST = "shop-pr-7-acme-0000000000000000.preview.example.com";
const URL = `https://${HOST}`;
const TARGET = { owner: "acme", repo: "shop", pr: 7, sha: SHA, branch: "feature/login" };

type Container = { Name: string; Environment?: Array<{ Name: string; Value: unknown }>; Command?: unknown[]; DockerLabels?: Record<string, unknown> };
type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

/** The template's values as CloudFormation gives them to ECS, with the base stack's domain as BaseDomain. */
function deployed(template: Template): Container[] {
  const ctx: IntrinsicContext = {
    region: "us-east-1",
    account: "123456789012",
    stackName: "berth-shop-pr-7-acme-d21b2c",
    stackId: "arn:aws:cloudformation:us-east-1:123456789012:stack/berth-shop-pr-7-acme-d21b2c/1",
    parameters: { ...Object.fromEntries(BASE_PARAMETERS.map((name) => [baseParameterName(name), `base-${name}`])), BaseDomain: "preview.example.com" },
    isResource: (id) => id in template.Resources,
    ref: (id) => `${id}-physical`,
    getAtt: (id, attr) => `${id}.${attr}`,
    importValue: () => undefined,
  };
  return Object.values(template.Resources)
    .filter((r) => r.Type === "AWS::ECS::TaskDefinition")
    .flatMap((r) => resolve(r.Properties.ContainerDefinitions, ctx) as Container[])
    .filter((c) => c.Name !== "berth-dns-init");
}

const envOf = (containers: Container[], name: string) =>
  Object.fromEntries((containers.find((c) => c.Name === name)?.Environment ?? []).map((e) => [e.Name, e.Value]));

async function plan(repo: string, target: PreviewTarget = TARGET) {
  const result = await planPreview({ reader: createDirReader(path.join(REPOS, repo)), target, baseStack: "berth-base" });
  if (!result) throw new Error(`${repo} has no .github/preview.yml`);
  return result;
}

describe("the preview's own address", () => {
  it.each([
    {
      repo: "nextauth-url",
      container: "web",
      env: {
        NEXTAUTH_URL: URL,
        GITHUB_CALLBACK_URL: `${URL}/api/auth/callback/github`,
        RELEASE: "web@4f2a9c1",
        DATABASE_URL: "postgresql://app:app@db:5432/app?schema=public",
      },
    },
    {
      repo: "django-allowed-hosts",
      container: "web",
      env: {
        DJANGO_ALLOWED_HOSTS: HOST,
        CSRF_TRUSTED_ORIGINS: URL,
        SENTRY_RELEASE: "shop@4f2a9c1",
        SENTRY_ENVIRONMENT: "pr-7-feature-login",
        LOGGING_CONFIG: `{"level": "info", "host": "${HOST}"}`,
        DEBUG: "0",
        SECRET_KEY: "change-me",
      },
    },
    { repo: "discourse-hostname", container: "web", env: { DISCOURSE_HOSTNAME: HOST, DISCOURSE_DEVELOPER_EMAILS: "dev@example.com" } },
    { repo: "discourse-hostname", container: "sidekiq", env: { DISCOURSE_HOSTNAME: HOST, RAILS_ENV: "production" } },
  ])("$repo: $container and the release task get the preview's address", async ({ repo, container, env }) => {
    const { stack } = await plan(repo);
    const containers = deployed(stack.template as Template);
    expect(envOf(containers, container)).toMatchObject(env);
    if (container === stack.releaseService) expect(envOf(containers, "release")).toEqual(envOf(containers, container));
    expect(await lintTemplate(stack.template, repo)).toEqual([]);
  });

  it("puts the host name in a label, where Traefik-style rules read it", async () => {
    const { stack } = await plan("discourse-hostname");
    const web = deployed(stack.template as Template).find((c) => c.Name === "web");
    expect(web?.DockerLabels).toEqual({ "traefik.http.routers.discourse.rule": `Host(\`${HOST}\`)` });
  });

  it("renders the address from the BaseDomain parameter, so berth plan needs no domain", async () => {
    const { stack } = await plan("nextauth-url");
    const web = Object.values((stack.template as Template).Resources).find((r) => r.Type === "AWS::ECS::TaskDefinition" && JSON.stringify(r).includes('"Name":"web"'));
    const text = JSON.stringify(web);
    expect(text).toContain('{"Ref":"BaseDomain"}');
    expect(text).not.toContain("localhost:3000");
  });

  it("keeps the local default where berth supplies nothing: a plain compose run", async () => {
    const { loadCompose } = await import("../../src/compose/load-compose.js");
    const project = await loadCompose(createDirReader(path.join(REPOS, "nextauth-url")));
    expect(project.services.find((s) => s.name === "web")?.environment.NEXTAUTH_URL).toBe("http://localhost:3000");
  });

  it("berth's variables win over the repository's .env, as the shell's do in Compose", async () => {
    const reader = createMemoryReader({
      ".github/preview.yml": "port: 80\n",
      ".env": "PREVIEW_PR=999\nPREVIEW_URL=http://localhost\n",
      "compose.yaml": "services:\n  web:\n    image: nginx:1.27\n    ports: ['80']\n    environment:\n      PR: ${PREVIEW_PR}\n      URL: ${PREVIEW_URL}\n      PREVIEW_HOST:\n",
    });
    const result = await planPreview({ reader, target: TARGET, baseStack: "berth-base" });
    expect(envOf(deployed(result!.stack.template as Template), "web")).toEqual({ PR: "7", URL, PREVIEW_HOST: HOST });
  });

  it.each([
    ["image", "    image: nginx:${PREVIEW_HOST}\n    ports: ['80']\n", 3, "services.web.image"],
    ["ports", "    image: nginx:1.27\n    ports: ['${PREVIEW_URL}:80']\n", 4, "services.web.ports[0]"],
    ["working_dir", "    image: nginx:1.27\n    ports: ['80']\n    working_dir: /srv/${PREVIEW_HOST}\n", 5, "services.web.working_dir"],
  ])("refuses the address where the template cannot take it: %s", async (_key, service, line, keyPath) => {
    const reader = createMemoryReader({ ".github/preview.yml": "port: 80\n", "compose.yaml": `services:\n  web:\n${service}` });
    const error = await planPreview({ reader, target: TARGET, baseStack: "berth-base" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    const variable = service.includes("PREVIEW_URL") ? "PREVIEW_URL" : "PREVIEW_HOST";
    expect((error as InputError).diagnostics.map(formatDiagnostic)).toEqual([
      `compose.yaml:${line}: ${keyPath}: ${variable} is known only when the preview deploys (its host name comes from the base stack's domain); use it in environment, env_file, command, entrypoint, labels, healthcheck.test or a config's content, not here`,
    ]);
  });

  it("uses PREVIEW_SHA where any value can, e.g. a third-party image's tag", async () => {
    const reader = createMemoryReader({
      ".github/preview.yml": "port: 80\n",
      "compose.yaml": "services:\n  web:\n    image: ghcr.io/acme/web:${PREVIEW_SHA:-latest}\n    ports: ['80']\n",
    });
    const result = await planPreview({ reader, target: TARGET, baseStack: "berth-base" });
    expect(JSON.stringify(result!.stack.template)).toContain(`"Image":"ghcr.io/acme/web:${SHA}"`);
  });

  it("names the line of a {branch} that berth plan cannot fill without --branch", async () => {
    const { branch: _branch, ...withoutBranch } = TARGET;
    const error = await plan("django-allowed-hosts", withoutBranch).catch((e: unknown) => e);
    expect((error as InputError).diagnostics.map(formatDiagnostic)).toEqual([
      ".github/preview.yml:11: environment.SENTRY_ENVIRONMENT: {branch} is used but the branch is not known (berth plan takes it from --branch)",
    ]);
  });
});
