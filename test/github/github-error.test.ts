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
});
