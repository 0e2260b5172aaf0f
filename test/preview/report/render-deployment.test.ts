import { describe, expect, it } from "vitest";
import { deploymentDescription, deploymentEnvironment } from "../../../src/preview/report/render-deployment.js";

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
