import { describe, expect, it, vi } from "vitest";
import { destroyPreview } from "../../../src/preview/flow/destroy-preview.js";
import type { CheckRunInfo, RepoGitHub, StackPort } from "../../../src/preview/ports.js";
import { silentLogger } from "../../../src/util/logger.js";

const OLD = "a".repeat(40);
const RECENT = ["b", "c", "d"].map((c) => c.repeat(40));

describe("destroyPreview", () => {
  it("concludes the check run of every deploy a restart left open, also one older than the recent deployments it reads", async () => {
    const updates: string[] = [];
    const runs: Record<string, CheckRunInfo[]> = { [OLD]: [{ id: 1, headSha: OLD, status: "in_progress", output: { title: "Deploying aaaaaaa", summary: "" } }] };
    const github = {
      deployments: {
        // The old deploy's deployment was still in progress when the removal marked it inactive.
        deactivateOthers: async () => [OLD],
        listRecent: async ({ environment }: { environment: string }) =>
          environment === "preview" ? RECENT.map((sha, i) => ({ id: 10 + i, sha, environment, pr: 7, state: "inactive" })) : [],
      },
      checks: {
        list: async ({ headSha }: { headSha: string }) => runs[headSha] ?? [],
        update: async (id: number, input: { output: { summary: string }; conclusion: string }) => void updates.push(`${id} ${input.conclusion}: ${input.output.summary.split("\n")[0]}`),
      },
      comments: { ensureSticky: async () => {} },
    } as unknown as RepoGitHub;
    const stacks = { delete: async () => {} } as unknown as StackPort;

    expect(await destroyPreview({ stacks, log: silentLogger, now: () => new Date(0) }, { github, target: { owner: "acme", repo: "shop", pr: 7 }, reason: "closed" })).toBe("removed");

    expect(updates).toEqual(["1 neutral: Preview removed before this deploy finished: The pull request was closed."]);
  });

  it("concludes the open runs of the recent deployments before it marks the deployments inactive: a process dying between the two leaves an open deployment a resync finds", async () => {
    const updates: number[] = [];
    const github = {
      deployments: {
        // The process dies here: this answer never comes.
        deactivateOthers: () => new Promise<string[]>(() => {}),
        listRecent: async ({ environment }: { environment: string }) => (environment === "preview" ? [{ id: 10, sha: OLD, environment, pr: 7, state: "in_progress" }] : []),
      },
      checks: {
        list: async () => [{ id: 1, headSha: OLD, status: "in_progress", output: { title: "Deploying aaaaaaa", summary: "" } }],
        update: async (id: number) => void updates.push(id),
      },
      comments: { ensureSticky: async () => {} },
    } as unknown as RepoGitHub;
    const stacks = { delete: async () => {} } as unknown as StackPort;

    void destroyPreview({ stacks, log: silentLogger, now: () => new Date(0) }, { github, target: { owner: "acme", repo: "shop", pr: 7 }, reason: "closed" });

    await vi.waitFor(() => expect(updates).toEqual([1]));
  });
});
