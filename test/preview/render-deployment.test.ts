import { describe, expect, it } from "vitest";
import type { DeployReport } from "../../src/preview/render-check-run.js";
import { deploymentDescription, deploymentEnvironment, renderDeploymentStatus, renderRemovedDescription } from "../../src/preview/render-deployment.js";

const base: DeployReport = { kind: "deploy", sha: "abc1234def567890", pr: 42, phases: [], outcome: "running", warnings: [] };

describe("deploymentEnvironment", () => {
  it.each([
    [42, undefined, "preview/pr-42"],
    [7, "shop", "preview/shop/pr-7"],
    [7, "Acme Shop/API", "preview/acme-shop-api/pr-7"],
    [7, "--", "preview/pr-7"],
  ])("pr %d in %s -> %s", (pr, repo, env) => {
    expect(deploymentEnvironment(pr, repo)).toBe(env);
  });
});

describe("renderDeploymentStatus", () => {
  it.each([
    ["waiting for the image", { phases: [{ name: "image" as const, status: "waiting" as const }] }, "queued", "Waiting for the image of abc1234"],
    ["running", { phases: [{ name: "stack" as const, status: "running" as const }] }, "in_progress", "Deploying abc1234"],
    ["ready", { outcome: "success" as const }, "success", "Preview of abc1234 is live"],
    [
      "failed",
      { outcome: "failure" as const, failure: { phase: "migrate" as const, message: "exit code 1\nsee log" } },
      "failure",
      "migrate failed on abc1234: exit code 1 see log",
    ],
    ["failed without details", { outcome: "failure" as const }, "failure", "Deploy of abc1234 failed"],
    ["superseded", { outcome: "superseded" as const, supersededBy: "def5678999" }, "inactive", "Superseded by def5678"],
    ["cancelled", { outcome: "cancelled" as const }, "error", "Deploy of abc1234 cancelled"],
  ])("%s", (_case, patch, state, description) => {
    expect(renderDeploymentStatus({ ...base, ...patch })).toEqual({ state, description });
  });

  it("keeps a long failure within 140 characters", () => {
    const { description } = renderDeploymentStatus({ ...base, outcome: "failure", failure: { phase: "health", message: "ü".repeat(300) } });
    expect(Array.from(description)).toHaveLength(140);
    expect(description.endsWith("ü…")).toBe(true);
  });
});

describe("deploymentDescription", () => {
  it.each([
    ["  plain  ", "plain"],
    ["two\nlines", "two lines"],
    ["bidi\u202Eoverride", "bidioverride"],
    ["x".repeat(141), `${"x".repeat(139)}…`],
  ])("%j -> %j", (input, output) => {
    expect(deploymentDescription(input)).toBe(output);
  });

  it.each([
    [undefined, "Preview removed"],
    ["pull request closed", "Preview removed: pull request closed"],
  ])("removed with reason %j", (reason, text) => {
    expect(renderRemovedDescription(reason)).toBe(text);
  });
});
