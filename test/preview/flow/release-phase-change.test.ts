import { describe, expect, it } from "vitest";
import { compareReleasePhase, sameTags } from "../../../src/preview/flow/release-phase-change.js";

const OLD = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:" + "1".repeat(64);
const NEW = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:" + "2".repeat(64);

/** A preview template reduced to what the comparison reads: the release task definition and a service. */
function template(input: { release: string; web?: string; env?: Record<string, string>; oneShot?: string }): Record<string, unknown> {
  const environment = Object.entries(input.env ?? {}).map(([Name, Value]) => ({ Name, Value }));
  return {
    Resources: {
      ReleaseTaskDefinition: {
        Type: "AWS::ECS::TaskDefinition",
        Properties: {
          ContainerDefinitions: [
            { Name: "berth-image-files", Image: input.release, Essential: false },
            { Name: "release", Image: input.release, Environment: environment, Essential: true },
          ],
        },
      },
      WebTaskDefinition: { Type: "AWS::ECS::TaskDefinition", Properties: { ContainerDefinitions: [{ Name: "web", Image: input.web ?? OLD, Environment: environment }] } },
      ...(input.oneShot ? { MigrateTaskDefinition: { Type: "AWS::ECS::TaskDefinition", Properties: { ContainerDefinitions: [{ Name: "migrate", Image: input.oneShot }] } } } : {}),
    },
    Outputs: { Url: { Value: "https://x" }, Absent: undefined },
  };
}

/** As GetTemplate returns what berth sent: JSON. */
const stored = (t: Record<string, unknown>) => JSON.parse(JSON.stringify(t)) as Record<string, unknown>;

describe("compareReleasePhase", () => {
  it.each([
    ["the same template", template({ release: OLD }), template({ release: OLD }), "none"],
    ["only the release task's image (both of its containers that run it)", template({ release: OLD }), template({ release: NEW }), "release-image"],
    ["the release image and the environment", template({ release: OLD }), template({ release: NEW, env: { FEATURE: "on" } }), "other"],
    ["the release image and a service's image", template({ release: OLD }), template({ release: NEW, web: NEW }), "other"],
    ["the release image and a one-shot service's image", template({ release: OLD, oneShot: OLD }), template({ release: NEW, oneShot: NEW }), "other"],
    ["a new resource", template({ release: OLD }), template({ release: OLD, oneShot: OLD }), "other"],
  ] as const)("%s: %s", (_name, current, candidate, expected) => {
    expect(compareReleasePhase(stored(current), candidate, NEW)).toBe(expected);
  });

  it("is `other` when the stack's template is unknown, or the release image is not known", () => {
    expect(compareReleasePhase(undefined, template({ release: NEW }), NEW)).toBe("other");
    expect(compareReleasePhase(stored(template({ release: OLD })), template({ release: NEW }), undefined)).toBe("other");
  });

  it("leaves the candidate template as it was", () => {
    const candidate = template({ release: NEW });
    compareReleasePhase(stored(template({ release: OLD })), candidate, NEW);
    const release = JSON.stringify((candidate.Resources as Record<string, unknown>).ReleaseTaskDefinition);
    expect(release).toContain(NEW);
    expect(release).not.toContain(OLD);
  });
});

describe("sameTags", () => {
  it("compares every key but the ignored ones, absent and present alike", () => {
    expect(sameTags({ a: "1", "berth:deploying": "x" }, { a: "1", "berth:deploying": "y" }, ["berth:deploying"])).toBe(true);
    expect(sameTags({ a: "1" }, { a: "1", b: "2" }, ["berth:deploying"])).toBe(false);
    expect(sameTags({ a: "1" }, { a: "2" }, [])).toBe(false);
  });
});
