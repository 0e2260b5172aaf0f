import { describe, expect, it } from "vitest";
import { DeployReporter } from "../../../src/preview/report/deploy-reporter.js";
import type { RepoGitHub } from "../../../src/preview/ports.js";
import { silentLogger } from "../../../src/util/logger.js";

/** A RepoGitHub that records what the reporter sends. */
function recordingGitHub() {
  const sent: string[] = [];
  const github: RepoGitHub = {
    checks: {
      create: async () => {
        sent.push("check create");
        return { id: 1, url: "https://github.com/acme/shop/runs/1" };
      },
      update: async (_id, input) => void sent.push(`check update${input.conclusion ? ` ${input.conclusion}` : ""}`),
      list: async () => [],
    },
    deployments: {
      create: async (input) => {
        sent.push(`deployment create in ${input.environment} for PR #${input.pr}`);
        return 5;
      },
      setStatus: async (_id, input) => void sent.push(`deployment ${input.state}: ${input.description ?? ""}`),
      deactivateOthers: async (input) => {
        sent.push(`deactivate in ${input.environment}${input.pr === undefined ? "" : ` of PR #${input.pr}`} except ${input.exceptId ?? "none"}`);
        return [];
      },
      listRecent: async () => [],
    },
    comments: { ensureSticky: async () => {}, readSticky: async () => undefined, reply: async () => {}, replaceLogs: async () => {}, react: async () => {} },
    reader: () => ({ readFile: async () => undefined, listFiles: async () => undefined }),
    pullRequest: async () => undefined,
    changedFiles: async () => undefined,
    openPullRequests: async () => ({ pulls: [], more: false }),
    permission: async () => "none",
  };
  return { github, sent };
}

const context = { pr: 7, sha: "1111111111111111111111111111111111111111", kind: "deploy" as const, log: silentLogger, now: () => new Date("2030-01-01T00:00:00Z") };

describe("DeployReporter", () => {
  it("sends a check run update only when what it shows changed, so waiting for an image does not repeat it every poll", async () => {
    const { github, sent } = recordingGitHub();
    const reporter = new DeployReporter(github, context);
    await reporter.start();
    sent.length = 0;

    await reporter.phase("image", "waiting", "waiting for shop:1111111");
    await reporter.phase("image", "waiting", "waiting for shop:1111111");
    await reporter.phase("image", "waiting", "waiting for shop:1111111");
    await reporter.done("image");

    expect(sent).toEqual(["check update", "check update"]);
  });

  it("deploys into preview naming the pull request, and a success retires only that PR's older deployments, there and in its legacy environment", async () => {
    const { github, sent } = recordingGitHub();
    const reporter = new DeployReporter(github, context);
    await reporter.start();
    await reporter.succeed("https://shop-pr-7.preview.example");

    expect(sent.filter((line) => line.startsWith("deployment create") || line.startsWith("deactivate"))).toEqual([
      "deployment create in preview for PR #7",
      "deactivate in preview of PR #7 except 5",
      "deactivate in preview/pr-7 except 5",
    ]);
  });

  it("gives the deployment a one-line plain-text description, even for a multi-line failure with bidi controls", async () => {
    const { github, sent } = recordingGitHub();
    const reporter = new DeployReporter(github, context);
    await reporter.start();
    await reporter.phase("rollout");
    sent.length = 0;

    await reporter.fail("rollout", "The rollout of web failed: tasks failed to start\nLatest service events:\n- (service web) \u202egnp.exe");

    expect(sent.filter((line) => line.startsWith("deployment"))).toEqual([
      "deployment failure: Failed: The rollout of web failed: tasks failed to start Latest service events: - (service web) gnp.exe",
    ]);
  });
});
