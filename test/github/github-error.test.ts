import { describe, expect, it } from "vitest";
import { GitHubError } from "../../src/github/github-error.js";

describe("GitHubError", () => {
  it.each([
    [502, "GitHub"],
    [500, "GitHub"],
    [429, "GitHub"],
    [404, undefined],
    [422, undefined],
    [undefined, undefined],
  ])("HTTP %s: transient is %s", (status, transient) => {
    const cause = Object.assign(new Error("Server Error"), status === undefined ? {} : { status });
    expect(new GitHubError("create check run", cause).transient).toBe(transient);
  });

  it.each([
    ["a secondary rate limit with retry-after", { message: "You have exceeded a secondary rate limit", headers: { "retry-after": "60" } }, "GitHub"],
    ["a secondary rate limit without retry-after", { message: "You have exceeded a secondary rate limit", headers: {} }, "GitHub"],
    ["a missing permission", { message: "Resource not accessible by integration", headers: {} }, undefined],
  ])("HTTP 403, %s: transient is %s", (_case, { message, headers }, transient) => {
    const cause = Object.assign(new Error(message), { status: 403, response: { headers } });
    expect(new GitHubError("create check run", cause).transient).toBe(transient);
  });
});
