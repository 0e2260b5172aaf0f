import { describe, expect, it } from "vitest";
import { ImageReferenceError, imageTemplateProblems, resolveImage, sanitizeBranch, type ImageVars } from "../../src/config/resolve-image.js";

const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const SHA = "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e";
const VARS: ImageVars = { sha: SHA, pr: 42, branch: "main", service: "web" };
const EXPECTED_SHAPE = "expected <registry>/<repository>:<tag>, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:{sha}";

describe("resolveImage", () => {
  it.each<{ name: string; template: string; vars?: Partial<ImageVars>; expected: string }>([
    { name: "{sha} is the full SHA", template: `${ECR}/shop:{sha}`, expected: `${ECR}/shop:${SHA}` },
    { name: "{short_sha} is its first 7 characters", template: `${ECR}/shop:{short_sha}`, expected: `${ECR}/shop:4f2a9c1` },
    { name: "{pr} is the number", template: `${ECR}/shop:pr-{pr}`, expected: `${ECR}/shop:pr-42` },
    { name: "{service} in the repository", template: `${ECR}/shop/{service}:{short_sha}`, expected: `${ECR}/shop/web:4f2a9c1` },
    { name: "a placeholder used twice", template: `${ECR}/{service}:{service}-{pr}-{pr}`, expected: `${ECR}/web:web-42-42` },
    { name: "a fixed tag", template: `${ECR}/shop:latest`, expected: `${ECR}/shop:latest` },
    { name: "a registry with a port", template: "localhost:5000/shop:{pr}", expected: "localhost:5000/shop:42" },
    {
      name: "{branch}: slashes, spaces and unicode become dashes, case is kept",
      template: `${ECR}/shop:{branch}`,
      vars: { branch: "feature/Login Page_v2.1+ü" },
      expected: `${ECR}/shop:feature-Login-Page_v2.1--`,
    },
    {
      name: "{branch}: no leading dot or dash",
      template: `${ECR}/shop:{branch}-{short_sha}`,
      vars: { branch: "-.-/hotfix" },
      expected: `${ECR}/shop:hotfix-4f2a9c1`,
    },
    {
      name: "{branch}: cut so that the whole tag is 128 characters",
      template: `${ECR}/shop:{branch}-{sha}`,
      vars: { branch: "b".repeat(200) },
      expected: `${ECR}/shop:${"b".repeat(87)}-${SHA}`,
    },
    {
      name: "{branch} twice: each cut to an equal share",
      template: `${ECR}/shop:{branch}.{branch}`,
      vars: { branch: "c".repeat(100) },
      expected: `${ECR}/shop:${"c".repeat(63)}.${"c".repeat(63)}`,
    },
  ])("$name", ({ template, vars, expected }) => {
    expect(resolveImage(template, { ...VARS, ...vars })).toBe(expected);
  });

  it("fills the tag to exactly 128 characters when the branch is long", () => {
    const tag = resolveImage(`${ECR}/shop:{branch}-{sha}`, { ...VARS, branch: "x".repeat(300) }).split(":").at(-1);
    expect(tag).toHaveLength(128);
  });

  it.each<{ name: string; template: string; vars?: Partial<ImageVars>; message: string }>([
    {
      name: "unknown placeholder",
      template: `${ECR}/shop:{commit}`,
      message: "image: unknown placeholder {commit}; use {sha}, {short_sha}, {pr}, {branch} or {service}",
    },
    {
      name: "{branch} without a branch",
      template: `${ECR}/shop:{branch}`,
      vars: { branch: undefined },
      message: "image: the template uses {branch} but the branch is not known (berth plan takes it from --branch)",
    },
    {
      name: "{branch} in the repository",
      template: `${ECR}/{branch}:{sha}`,
      message: 'image: {branch} may only appear in the tag, after the last ":"',
    },
    {
      name: "a service name that is not a valid repository part",
      template: `${ECR}/app-{service}:{sha}`,
      vars: { service: "Web" },
      message: 'image: repository "app-Web" (from "app-{service}") is not valid: use lowercase letters and digits, separated by ".", "_", "-" or "/"',
    },
    {
      name: "a tag longer than 128 characters without any branch",
      template: `${ECR}/shop:{sha}-{sha}-{sha}-{sha}`,
      message: `image: tag "${[SHA, SHA, SHA, SHA].join("-")}" (from "{sha}-{sha}-{sha}-{sha}") is 163 characters long; a tag may have at most 128`,
    },
    {
      name: "a tag that starts with a dash once the branch is empty",
      template: `${ECR}/shop:{branch}-{pr}`,
      vars: { branch: "///" },
      message: 'image: tag "-42" (from "{branch}-{pr}") is not valid: use letters, digits, "_", "." and "-", not starting with "." or "-"',
    },
    { name: "no registry", template: "shop:{sha}", message: `image: "shop:${SHA}" (from "shop:{sha}") has no registry; ${EXPECTED_SHAPE}` },
    { name: "no tag", template: `${ECR}/shop`, message: `image: "${ECR}/shop" has no tag; ${EXPECTED_SHAPE}` },
    {
      name: "a digest instead of a tag",
      template: `${ECR}/shop@sha256:{sha}`,
      message: 'image: repository "shop@sha256" is not valid: use lowercase letters and digits, separated by ".", "_", "-" or "/"',
    },
  ])("refuses $name", ({ template, vars, message }) => {
    const resolve = () => resolveImage(template, { ...VARS, ...vars });
    expect(resolve).toThrow(ImageReferenceError);
    expect(resolve).toThrow(expect.objectContaining({ message, userMessage: message }));
  });
});

describe("imageTemplateProblems", () => {
  it.each<{ template: string; expected: string[] }>([
    { template: `${ECR}/shop:{sha}`, expected: [] },
    { template: `${ECR}/acme/{service}:pr{pr}-{branch}-{short_sha}`, expected: [] },
    // {branch} is cut to fit, so only the fixed part of a tag can make it too long.
    { template: `${ECR}/shop:{branch}-${"v".repeat(80)}`, expected: [] },
    {
      template: `${ECR}/shop:{sha}-{sha}-{sha}-{sha}`,
      expected: ['tag "{sha}-{sha}-{sha}-{sha}" resolves to 163 characters; a tag may have at most 128'],
    },
    {
      template: `${ECR}/shop:{a}{b}{a}`,
      expected: [
        "unknown placeholder {a}; use {sha}, {short_sha}, {pr}, {branch} or {service}",
        "unknown placeholder {b}; use {sha}, {short_sha}, {pr}, {branch} or {service}",
      ],
    },
    { template: `${ECR}/shop:{}`, expected: ["unknown placeholder {}; use {sha}, {short_sha}, {pr}, {branch} or {service}"] },
    { template: "shop:{sha}", expected: [`"shop:{sha}" has no registry; ${EXPECTED_SHAPE}`] },
    { template: `-bad.example.com/shop:{sha}`, expected: [`registry "-bad.example.com" is not a valid host name; ${EXPECTED_SHAPE}`] },
    { template: `${ECR}/shop:{sha`, expected: ['tag "{sha" is not valid: use letters, digits, "_", "." and "-", not starting with "." or "-"'] },
  ])("$template", ({ template, expected }) => {
    expect(imageTemplateProblems(template)).toStrictEqual(expected);
  });
});

describe("sanitizeBranch", () => {
  it.each([
    ["main", "main"],
    ["dependabot/npm_and_yarn/lodash-4.17.21", "dependabot-npm_and_yarn-lodash-4.17.21"],
    [".hidden", "hidden"],
    ["--x", "x"],
    ["fix #12: crash", "fix--12--crash"],
  ])("%s -> %s", (branch, expected) => {
    expect(sanitizeBranch(branch)).toBe(expected);
  });
});
