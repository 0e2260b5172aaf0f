import { describe, expect, it } from "vitest";
import { imageReferenceProblem } from "../../src/compose/image-reference.js";

describe("imageReferenceProblem reads an image as Docker does", () => {
  it.each([
    "redis",
    "redis:7-alpine",
    "library/redis",
    "docker.io/library/redis:7",
    "docker.n8n.io/n8nio/n8n:1.97.1",
    "ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0@sha256:32324a2f41df5de9efe1af166b7008c3f55646f8d0e00d9550c16c9822366b4a",
    "localhost:5000/app",
    "registry.example.com:5000/team/app_name__x-y:v1.2.3",
    "[::1]:5000/app:latest",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:4f2a9c1",
  ])("accepts %s", (reference) => {
    expect(imageReferenceProblem(reference)).toBeUndefined();
  });

  it.each([
    { reference: "docker.n8n.io/n8nio/n8n:", problem: 'the tag after ":" is empty' },
    { reference: "", problem: "the image is empty" },
    { reference: ":latest", problem: "the image has no name" },
    { reference: "Nginx:1", problem: 'the name "Nginx" is not valid: lowercase letters and digits, separated by ".", "_", "__", "-" or "/"' },
    { reference: "acme//app", problem: 'the name "acme//app" has an empty part between slashes' },
    { reference: "app:-rc1", problem: 'the tag "-rc1" is not valid: letters, digits, "_", "." and "-", at most 128, not starting with "." or "-"' },
    { reference: "app@sha256:abc", problem: 'the digest "sha256:abc" after "@" is not <algorithm>:<hex>, like sha256:<64 hex digits>' },
    { reference: "my_registry.io/app", problem: 'the registry "my_registry.io" is not a valid host name' },
    { reference: "redis 7", problem: "an image reference has no spaces" },
  ])("refuses $reference: $problem", ({ reference, problem }) => {
    expect(imageReferenceProblem(reference)).toBe(problem);
  });
});
