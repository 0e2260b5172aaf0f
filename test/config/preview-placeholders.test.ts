import { describe, expect, it } from "vitest";
import {
  DEPLOY_TIME_VALUES,
  environmentValueProblems,
  PlaceholderError,
  previewValues,
  previewVariables,
  replaceDeployTimeValues,
  resolvePlaceholders,
} from "../../src/config/preview-placeholders.js";

const SHA = "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e";
const values = previewValues({ pr: 42, sha: SHA, branch: "feature/Login" });
const address = { url: "https://shop.preview.example.com", host: "shop.preview.example.com" };
const resolved = (value: string) => replaceDeployTimeValues(resolvePlaceholders(value, values), address);

describe("environment placeholders", () => {
  it.each([
    ["{url}", "https://shop.preview.example.com"],
    ["{url}/auth/callback", "https://shop.preview.example.com/auth/callback"],
    ["localhost,{host}", "localhost,shop.preview.example.com"],
    ["pr-{pr}", "pr-42"],
    ["{sha}", SHA],
    ["app@{short_sha}", "app@4f2a9c1"],
    ["{branch}", "feature-Login"],
    ["{{url}}", "{url}"],
    ['{{"host": "{host}"}}', '{"host": "shop.preview.example.com"}'],
    ["no braces at all", "no braces at all"],
    ["${HOME}/{pr}", "${HOME}/42"],
    ["$${X} and ${Y:-{z}", "$${X} and ${Y:-{z}"],
    ["", ""],
  ])("%j becomes %j", (value, expected) => {
    expect(environmentValueProblems(value)).toEqual([]);
    expect(resolved(value)).toBe(expected);
  });

  it.each([
    ["{URL}", ["unknown placeholder {URL}; use {url}, {host}, {pr}, {sha}, {short_sha} or {branch}, and {{ or }} for a literal brace"]],
    ["{service}", ["unknown placeholder {service}; use {url}, {host}, {pr}, {sha}, {short_sha} or {branch}, and {{ or }} for a literal brace"]],
    ["{url", ['"{" starts no placeholder; write a literal { as {{']],
    ["a}", ['a single "}" closes no placeholder; write a literal } as }}']],
    ["{}", ["unknown placeholder {}; use {url}, {host}, {pr}, {sha}, {short_sha} or {branch}, and {{ or }} for a literal brace"]],
  ])("%j is refused", (value, problems) => {
    expect(environmentValueProblems(value)).toEqual(problems);
    expect(() => resolvePlaceholders(value, values)).toThrow(new PlaceholderError(problems[0]!));
  });

  it("refuses {branch} when the branch is not known", () => {
    expect(() => resolvePlaceholders("{branch}", previewValues({ pr: 1, sha: SHA }))).toThrow(
      new PlaceholderError("{branch} is used but the branch is not known (berth plan takes it from --branch)"),
    );
  });
});

describe("previewVariables", () => {
  it("supplies the PREVIEW_* variables and nothing else; PREVIEW_BRANCH only when the branch is known", () => {
    expect(previewVariables(values)).toEqual({
      PREVIEW_URL: DEPLOY_TIME_VALUES.url,
      PREVIEW_HOST: DEPLOY_TIME_VALUES.host,
      PREVIEW_PR: "42",
      PREVIEW_SHA: SHA,
      PREVIEW_SHORT_SHA: "4f2a9c1",
      PREVIEW_BRANCH: "feature-Login",
    });
    expect(Object.keys(previewVariables(previewValues({ pr: 1, sha: SHA })))).not.toContain("PREVIEW_BRANCH");
  });
});
