import { describe, expect, it } from "vitest";
import { deploymentDescription, legacyEnvironment, pullOfDeployment } from "../../../src/preview/report/render-deployment.js";

describe("pullOfDeployment", () => {
  it.each([
    ["preview", 42, 42],
    ["preview", undefined, undefined],
    ["preview/pr-7", undefined, 7],
    ["preview/shop/pr-7", undefined, 7],
    // A legacy environment's name wins over a payload: it was the only record then.
    ["preview/pr-7", 9, 7],
    ["production", 7, undefined],
    ["preview/pr-0", undefined, undefined],
    ["preview/a/b/pr-7", undefined, undefined],
    ["preview/pr-7x", undefined, undefined],
  ])("%s with payload PR %s -> %s", (environment, pr, expected) => {
    expect(pullOfDeployment({ environment, pr })).toBe(expected);
  });

  it("reads back the legacy environment it names", () => {
    expect(pullOfDeployment({ environment: legacyEnvironment(12), pr: undefined })).toBe(12);
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
});
