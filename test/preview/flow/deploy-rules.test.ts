import { describe, expect, it } from "vitest";
import { judgeDeploy, touchesPaths, type DeployFacts, type DeployRules } from "../../../src/preview/flow/deploy-rules.js";

const AUTO: DeployRules = { mode: "auto", label: "preview", bots: false };
const PERSON: DeployFacts = { asked: false, labels: [], bot: false, branch: "feature/checkout", baseBranch: "main" };

describe("judgeDeploy", () => {
  it.each<[string, Partial<DeployRules>, Partial<DeployFacts>, string | undefined]>([
    ["auto, a person's pull request", {}, {}, undefined],
    ["auto, a bot's", {}, { bot: true }, "deploy.bots"],
    ["auto, a bot's with bots: true", { bots: true }, { bot: true }, undefined],
    ["auto, a bot's with the label", {}, { bot: true, labels: ["preview"] }, undefined],
    ["auto, a bot's asked by command", {}, { bot: true, asked: true }, undefined],
    ["label mode without the label", { mode: "label" }, { labels: ["bug"] }, "deploy.mode"],
    ["label mode with it", { mode: "label" }, { labels: ["bug", "preview"] }, undefined],
    ["label mode with another label name", { mode: "label", label: "deploy-me" }, { labels: ["preview"] }, "deploy.mode"],
    ["command mode", { mode: "command" }, {}, "deploy.mode"],
    ["command mode, asked", { mode: "command" }, { asked: true }, undefined],
    ["branches: matched", { branches: ["feature/**"] }, {}, undefined],
    ["branches: excluded after a match", { branches: ["feature/**", "!feature/check*"] }, {}, "deploy.branches"],
    ["branches: * stops at a slash", { branches: ["feature*"] }, {}, "deploy.branches"],
    ["branches: unknown branch is not judged", { branches: ["main"] }, { branch: undefined }, undefined],
    ["base_branches: other base", { base_branches: ["main"] }, { baseBranch: "release/1" }, "deploy.base_branches"],
    ["base_branches: glob", { base_branches: ["release/**"] }, { baseBranch: "release/1" }, undefined],
  ])("%s", (_name, rules, facts, rule) => {
    expect(judgeDeploy({ ...AUTO, ...rules }, { ...PERSON, ...facts })?.rule).toBe(rule);
  });
});

describe("touchesPaths (GitHub Actions' paths filter: the last matching pattern decides)", () => {
  it.each<[string[], string[], boolean]>([
    [["app/**"], ["app/models/order.rb"], true],
    [["app/**"], ["docs/setup.md"], false],
    [["app/**"], ["docs/setup.md", "app/x.rb"], true],
    [["**", "!docs/**"], ["docs/setup.md"], false],
    [["**", "!docs/**"], ["docs/setup.md", "README.md"], true],
    [["**", "!docs/**", "docs/api/**"], ["docs/api/v1.md"], true],
    [["*.md"], ["docs/setup.md"], false],
    [["**/*.md"], ["docs/setup.md"], true],
    [["**"], [".github/workflows/ci.yml"], true],
    [["app/**"], [], false],
  ])("%j with %j: %s", (patterns, files, expected) => {
    expect(touchesPaths(patterns, files)).toBe(expected);
  });
});
