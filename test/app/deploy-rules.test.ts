/**
 * `deploy:` in `.github/preview.yml`, through the real app and the fakes: which pull requests
 * deploy on their own, what a skipped one shows, and how asking (label, `/preview deploy`) wins.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { prCommentPayload, pullRequestPayload } from "../helpers/webhook-payloads.js";

const SHA3 = "3333333333333333333333333333333333333333";
const DEPENDABOT = { login: "dependabot[bot]", type: "Bot" } as const;

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

/** The Rails example's files with `deploy:` rules appended to its config. */
function filesWith(rules: string): Record<string, string> {
  const files = readFixtureRepo("rails-postgres");
  files[".github/preview.yml"] = `${files[".github/preview.yml"]}\ndeploy:\n${rules}\n`;
  return files;
}

/** The app over the Rails example with `deploy:` rules, images of three heads pushed. */
function withRules(rules: string): Harness {
  const files = filesWith(rules);
  const harness = createHarness({ files });
  for (const sha of [SHA1, SHA2, SHA3]) harness.aws.putImage(IMAGE(sha));
  harness.github.setPermission("maintainer", "maintain");
  return harness;
}

async function receive(harness: Harness, ...args: Parameters<typeof pullRequestPayload>): Promise<void> {
  await harness.receive("pull_request", pullRequestPayload(...args));
  await harness.settle();
}

async function comment(harness: Harness, body: string): Promise<void> {
  const id = harness.github.addComment(body, { login: "maintainer", type: "User" }, 7);
  await harness.receive("issue_comment", prCommentPayload({ pr: 7, body, commentId: id, user: "maintainer" }));
  await harness.settle();
}

const sticky = (harness: Harness) => harness.github.stickyComments(7).map((c) => c.body);
const serving = (harness: Harness) => harness.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"];

describe("deploy rules", () => {
  it("mode: label deploys while the pull request has the label and removes the preview when it is taken off", async () => {
    h = withRules("  mode: label");
    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout" });

    await receive(h, "opened", { number: 7, sha: SHA1, labels: [] });
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect(h.github.checkRuns(SHA1)).toEqual([]);
    expect(sticky(h)).toHaveLength(1);
    expect(sticky(h)[0]).toContain("### ⏸️ No preview for this pull request yet");
    expect(sticky(h)[0]).toContain(
      "This repository deploys pull requests labelled `preview` only (`deploy.mode` in `.github/preview.yml`). Comment `/preview deploy` to deploy it anyway, or add the `preview` label.",
    );

    // Another label means nothing.
    await receive(h, "labeled", { number: 7, sha: SHA1, labels: ["bug"], label: "bug" });
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);

    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout", labels: ["bug", "preview"] });
    await receive(h, "labeled", { number: 7, sha: SHA1, labels: ["bug", "preview"], label: "preview" });
    expect(serving(h)).toBe(SHA1);
    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    expect(sticky(h)).toHaveLength(1);
    expect(sticky(h)[0]).toContain("### ✅ Preview ready");

    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout", labels: ["bug"] });
    await receive(h, "unlabeled", { number: 7, sha: SHA1, labels: ["bug"], label: "preview" });
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect(sticky(h)[0]).toContain("### 🗑️ Preview removed");
  });

  it("a bot's pull request waits to be asked; after /preview deploy its pushes redeploy the live preview", async () => {
    h = withRules("  bots: false");
    h.github.setPull({ number: 7, headSha: SHA1, branch: "dependabot/bundler/rack-3.1", user: DEPENDABOT });

    await receive(h, "opened", { number: 7, sha: SHA1, branch: "dependabot/bundler/rack-3.1", user: DEPENDABOT, labels: [] });
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect(sticky(h)[0]).toContain("This pull request was opened by a bot, and bots' pull requests wait to be asked (`deploy.bots` in");

    await comment(h, "/preview deploy");
    expect(serving(h)).toBe(SHA1);
    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");

    h.github.setPull({ number: 7, headSha: SHA2, branch: "dependabot/bundler/rack-3.1", user: DEPENDABOT });
    await receive(h, "synchronize", { number: 7, sha: SHA2, before: SHA1, branch: "dependabot/bundler/rack-3.1", user: DEPENDABOT, labels: [] });
    expect(serving(h)).toBe(SHA2);
  });

  it("branch filters skip a pull request whose head or base matches none of them", async () => {
    h = withRules('  branches: ["feature/**", "!feature/wip-*"]\n  base_branches: [main]');
    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/wip-search" });

    await receive(h, "opened", { number: 7, sha: SHA1, branch: "feature/wip-search", labels: [], baseBranch: "main" });
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect(sticky(h)[0]).toContain("Its branch `feature/wip-search` matches none of the branches that deploy on their own (`deploy.branches` in");

    h.github.setPull({ number: 8, headSha: SHA2, branch: "feature/search" });
    await receive(h, "opened", { number: 8, sha: SHA2, branch: "feature/search", labels: [], baseBranch: "release/1.x" });
    expect(h.github.stickyComments(8)[0]?.body).toContain("Its base branch `release/1.x` matches none of the base branches that deploy on their own (`deploy.base_branches` in");
    expect([...h.aws.state.cloudformation.stacks.keys()]).toEqual(["berth-base"]);
  });

  it("a pull request retargeted onto a base branch that deploys is deployed then; a new title or a retarget of a served head changes nothing", async () => {
    h = withRules("  base_branches: [main]");
    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout", baseBranch: "develop" });
    await receive(h, "opened", { number: 7, sha: SHA1, labels: [], baseBranch: "develop" });
    expect(sticky(h)[0]).toContain("Its base branch `develop` matches none of the base branches that deploy on their own (`deploy.base_branches` in");

    await receive(h, "edited", { number: 7, sha: SHA1, labels: [], baseBranch: "develop" });
    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);

    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout", baseBranch: "main" });
    await receive(h, "edited", { number: 7, sha: SHA1, labels: [], baseBranch: "main", retargetedFrom: "develop" });
    expect(serving(h)).toBe(SHA1);
    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    expect(sticky(h)[0]).toContain("### ✅ Preview ready");

    const mutations = h.aws.mutations().length;
    await receive(h, "edited", { number: 7, sha: SHA1, labels: [], baseBranch: "develop", retargetedFrom: "main" });
    expect(h.aws.mutations()).toHaveLength(mutations);
    expect(h.github.checkRuns(SHA1)).toHaveLength(1);
  });

  it("a push that changes only files outside deploy.paths is skipped with a check run that names the commit still served", async () => {
    const rules = '  paths: ["app/**", "db/**", "Gemfile*"]';
    h = withRules(rules);
    const files = filesWith(rules);
    h.github.setFiles(SHA1, files);
    h.github.setFiles(SHA2, { ...files, "docs/setup.md": "# Setup\n" });
    h.github.setFiles(SHA3, { ...files, "docs/setup.md": "# Setup\n", "app/models/order.rb": "class Order; end\n" });
    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout" });
    await receive(h, "opened", { number: 7, sha: SHA1, labels: [] });
    expect(serving(h)).toBe(SHA1);

    h.github.setPull({ number: 7, headSha: SHA2, branch: "feature/checkout" });
    await receive(h, "synchronize", { number: 7, sha: SHA2, before: SHA1, labels: [] });
    expect(serving(h)).toBe(SHA1);
    const skipped = h.github.checkRun(SHA2);
    expect(skipped?.conclusion).toBe("skipped");
    expect(skipped?.output.title).toBe("Not deployed: no changed file matches deploy.paths");
    expect(skipped?.output.summary).toBe(
      "This push changes 1 file, none of them in `deploy.paths`; the preview still serves `1111111`.\n\nComment `/preview redeploy` to deploy this commit anyway.",
    );

    h.github.setPull({ number: 7, headSha: SHA3, branch: "feature/checkout" });
    await receive(h, "synchronize", { number: 7, sha: SHA3, before: SHA2, labels: [] });
    expect(serving(h)).toBe(SHA3);
    expect(h.github.checkRun(SHA3)?.conclusion).toBe("success");
  });

  it("mode: command deploys nothing until /preview deploy, and a resync leaves a skipped pull request and its comment as they are", async () => {
    h = withRules("  mode: command");
    h.github.setPull({ number: 7, headSha: SHA1, branch: "feature/checkout" });
    await receive(h, "opened", { number: 7, sha: SHA1, labels: [] });
    const [before] = h.github.stickyComments(7);
    const requests = h.github.state.requests.length;

    await h.previews.resync();
    await h.settle();

    expect(h.aws.state.cloudformation.stacks.has(STACK)).toBe(false);
    expect(h.github.state.requests.slice(requests).filter((r) => !r.startsWith("GET"))).toEqual([]);
    expect(h.github.stickyComments(7)).toEqual([before]);

    await comment(h, "/preview deploy");
    expect(serving(h)).toBe(SHA1);
  });
});
