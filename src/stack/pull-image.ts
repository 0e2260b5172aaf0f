import type { ComposeService } from "../compose/model.js";
import type { Warning } from "../errors.js";

/**
 * ECR Public's mirror of Docker's official images (Docker Hub's `library/` namespace). berth takes
 * every official image to be mirrored there, as Docker and AWS publish the whole official-image
 * program on ECR Public; an operator who meets one that is not sets `OfficialImagesFrom` to
 * `docker-hub-mirror` in the base stack.
 */
export const ECR_PUBLIC_LIBRARY = "public.ecr.aws/docker/library";

/** Where the tasks pull Docker Hub's images from, as the operator set it in the base stack. */
export interface ImageSources {
  /**
   * Prefix of an ECR pull-through cache rule for Docker Hub, e.g.
   * `123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub` (base stack output DockerHubMirror).
   */
  dockerHubMirror?: string;
  /** Official images from ECR Public (default) or through the Docker Hub mirror too. */
  officialImagesFrom?: "ecr-public" | "docker-hub-mirror";
}

/** The registry hosts Docker resolves to Docker Hub. */
const DOCKER_HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

/** A Docker Hub image reference, split: `repository` is `library/redis` or `owner/name`. */
interface DockerHubImage {
  repository: string;
  /** `:tag`, `@sha256:...`, or both, as written; `:latest` when neither. */
  suffix: string;
  official: boolean;
}

/**
 * Reads an image reference the way Docker does and returns its Docker Hub repository, or undefined
 * for an image from another registry. `redis`, `library/redis`, `docker.io/redis`,
 * `docker.io/library/redis` and `index.docker.io/library/redis` are all the official `redis`.
 */
export function parseDockerHubImage(image: string): DockerHubImage | undefined {
  const at = image.indexOf("@");
  const digest = at < 0 ? "" : image.slice(at);
  const named = at < 0 ? image : image.slice(0, at);
  const slash = named.lastIndexOf("/");
  const colon = named.lastIndexOf(":");
  const tag = colon > slash ? named.slice(colon) : "";
  const name = colon > slash ? named.slice(0, colon) : named;
  const parts = name.split("/");
  // Docker's rule: the first part names a registry when it has a dot or a port, or is localhost.
  const first = parts[0]!;
  const hasRegistry = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasRegistry && !DOCKER_HUB_HOSTS.has(first.toLowerCase())) return undefined;
  const path = hasRegistry ? parts.slice(1) : parts;
  if (path.length === 0 || path.some((p) => p === "")) return undefined;
  const repository = path.length === 1 ? `library/${path[0]}` : path.join("/");
  const suffix = tag === "" && digest === "" ? ":latest" : `${tag}${digest}`;
  return { repository, suffix, official: repository.startsWith("library/") && repository.split("/").length === 2 };
}

/**
 * The image a task pulls for a compose `image:`: Docker's official images from ECR Public's mirror
 * (or the operator's Docker Hub mirror when set so), other Docker Hub images through the operator's
 * pull-through cache when there is one, images of every other registry as written. A tag or digest
 * is kept as written. Pure.
 */
export function buildPullImage(image: string, sources: ImageSources): string {
  const hub = parseDockerHubImage(image);
  if (!hub) return image;
  const mirror = sources.dockerHubMirror?.replace(/\/+$/, "");
  if (hub.official && (sources.officialImagesFrom !== "docker-hub-mirror" || !mirror)) {
    return `${ECR_PUBLIC_LIBRARY}/${hub.repository.slice("library/".length)}${hub.suffix}`;
  }
  return mirror ? `${mirror}/${hub.repository}${hub.suffix}` : image;
}

/**
 * The warning for a compose service whose image comes from Docker Hub anonymously: every preview
 * pulls through the same NAT address, and Docker Hub limits anonymous pulls per address.
 */
export function anonymousPullWarning(service: ComposeService, sources: ImageSources): Warning | undefined {
  const image = service.image;
  if (service.build !== undefined || image === undefined) return undefined;
  const hub = parseDockerHubImage(image);
  if (!hub || hub.official || sources.dockerHubMirror) return undefined;
  return {
    code: "docker-hub-anonymous",
    message:
      `services.${service.name}.image: "${image}" is pulled from Docker Hub anonymously, and Docker Hub limits anonymous pulls per IP address ` +
      "(all previews share one NAT address); ask the berth operator for a Docker Hub pull-through cache (base stack parameter DockerHubCachePrefix), or push the image to ECR",
    file: service.file,
    ...(service.line === undefined ? {} : { line: service.line }),
  };
}
