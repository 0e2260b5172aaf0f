import { describe, expect, it } from "vitest";
import { buildTemplate } from "../../src/stack/build-template.js";
import { buildPullImage, type ImageSources } from "../../src/stack/pull-image.js";
import { BASE, config, project, service, TARGET } from "./fixtures/projects.js";
import { containers } from "./fixtures/template.js";

const MIRROR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub";
const DIGEST = `sha256:${"a".repeat(64)}`;

describe("buildPullImage", () => {
  it.each<[string, string, ImageSources, string]>([
    ["an official image without tag", "redis", {}, "public.ecr.aws/docker/library/redis:latest"],
    ["an official image with tag", "postgres:16", {}, "public.ecr.aws/docker/library/postgres:16"],
    ["library/ spelled out", "library/nginx:1.27", {}, "public.ecr.aws/docker/library/nginx:1.27"],
    ["docker.io and library/", "docker.io/library/redis", {}, "public.ecr.aws/docker/library/redis:latest"],
    ["docker.io without library/", "docker.io/redis:7-alpine", {}, "public.ecr.aws/docker/library/redis:7-alpine"],
    ["index.docker.io", "index.docker.io/library/mysql:8.4", {}, "public.ecr.aws/docker/library/mysql:8.4"],
    ["a pinned digest", `postgres@${DIGEST}`, {}, `public.ecr.aws/docker/library/postgres@${DIGEST}`],
    ["a tag and a digest", `postgres:16@${DIGEST}`, {}, `public.ecr.aws/docker/library/postgres:16@${DIGEST}`],
    ["an official image, with a mirror for the others", "postgres:16", { dockerHubMirror: MIRROR }, "public.ecr.aws/docker/library/postgres:16"],
    ["an official image through the mirror", "postgres:16", { dockerHubMirror: MIRROR, officialImagesFrom: "docker-hub-mirror" }, `${MIRROR}/library/postgres:16`],
    ["official through a mirror that is not set", "redis", { officialImagesFrom: "docker-hub-mirror" }, "public.ecr.aws/docker/library/redis:latest"],
    ["a user's image through the mirror", "bitnami/redis:7.2", { dockerHubMirror: MIRROR }, `${MIRROR}/bitnami/redis:7.2`],
    ["a user's image on docker.io through the mirror", "docker.io/mailhog/mailhog", { dockerHubMirror: `${MIRROR}/` }, `${MIRROR}/mailhog/mailhog:latest`],
    ["a user's image without a mirror", "bitnami/redis:7.2", {}, "bitnami/redis:7.2"],
    ["GitHub's registry", "ghcr.io/acme/api:1", { dockerHubMirror: MIRROR }, "ghcr.io/acme/api:1"],
    ["quay.io", "quay.io/keycloak/keycloak:25.0", { dockerHubMirror: MIRROR }, "quay.io/keycloak/keycloak:25.0"],
    ["ECR", "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:abc", { dockerHubMirror: MIRROR }, "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:abc"],
    ["ECR Public already", "public.ecr.aws/docker/library/busybox:stable", {}, "public.ecr.aws/docker/library/busybox:stable"],
    ["a registry with a port", "localhost:5000/app:1", { dockerHubMirror: MIRROR }, "localhost:5000/app:1"],
  ])("%s: %s", (_name, image, sources, expected) => {
    expect(buildPullImage(image, sources)).toBe(expected);
  });
});

describe("buildTemplate: where compose images are pulled from", () => {
  const input = {
    project: project(
      service("web", { image: "nginx:1.27", ports: [{ target: 80, protocol: "tcp" }] }),
      service("db", { image: "postgres:16" }),
      service("mail", { image: "mailhog/mailhog:v1.0.1", line: 9 }),
      service("auth", { image: "quay.io/keycloak/keycloak:25.0" }),
    ),
    config: config({ service: "web" }),
    images: {},
    target: TARGET,
    baseStack: BASE,
  };
  const image = (template: Record<string, unknown>, id: string, name: string) => containers(template, id)[name]!.Image;

  it("pulls official images from ECR Public and warns about a user's image pulled anonymously", () => {
    const stack = buildTemplate(input);
    expect(image(stack.template, "WebTaskDefinition", "web")).toBe("public.ecr.aws/docker/library/nginx:1.27");
    expect(image(stack.template, "DbTaskDefinition", "db")).toBe("public.ecr.aws/docker/library/postgres:16");
    expect(image(stack.template, "MailTaskDefinition", "mail")).toBe("mailhog/mailhog:v1.0.1");
    expect(image(stack.template, "AuthTaskDefinition", "auth")).toBe("quay.io/keycloak/keycloak:25.0");
    expect(image(stack.template, "ReleaseTaskDefinition", "release")).toBe("public.ecr.aws/docker/library/nginx:1.27");
    expect(stack.warnings.filter((w) => w.code === "docker-hub-anonymous")).toEqual([
      {
        code: "docker-hub-anonymous",
        message:
          'services.mail.image: "mailhog/mailhog:v1.0.1" is pulled from Docker Hub anonymously, and Docker Hub limits anonymous pulls per IP address (all previews share one NAT address); ask the berth operator for a Docker Hub pull-through cache (base stack parameter DockerHubCachePrefix), or push the image to ECR',
        file: "docker-compose.yml",
        line: 9,
      },
    ]);
  });

  it("pulls a user's Docker Hub image through the operator's pull-through cache, without a warning", () => {
    const stack = buildTemplate({ ...input, baseOutputs: { DockerHubMirror: MIRROR } });
    expect(image(stack.template, "MailTaskDefinition", "mail")).toBe(`${MIRROR}/mailhog/mailhog:v1.0.1`);
    expect(image(stack.template, "DbTaskDefinition", "db")).toBe("public.ecr.aws/docker/library/postgres:16");
    expect(stack.warnings.filter((w) => w.code === "docker-hub-anonymous")).toEqual([]);
  });

  it("pulls official images through the cache too when the operator says so", () => {
    const stack = buildTemplate({ ...input, baseOutputs: { DockerHubMirror: MIRROR, OfficialImagesFrom: "docker-hub-mirror" } });
    expect(image(stack.template, "DbTaskDefinition", "db")).toBe(`${MIRROR}/library/postgres:16`);
  });
});
