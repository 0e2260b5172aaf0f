import { describe, expect, it } from "vitest";
import { approvalMarkerFor, awaitingApproval, awaitingMarkerFor, forkGate } from "../../../src/preview/flow/fork-approval.js";
import type { RepoGitHub } from "../../../src/preview/ports.js";
import { createMemoryReader } from "../../../src/util/repo-reader.js";

const HEAD = "a".repeat(40);
const OTHER = "c".repeat(40);
const BASE = "b".repeat(40);

/** Only what the gate reads: files per commit and berth's sticky comment. */
function github(input: { baseConfig?: string; sticky?: string }): RepoGitHub {
  return {
    reader: (sha: string) => createMemoryReader(sha === BASE && input.baseConfig !== undefined ? { ".github/preview.yml": input.baseConfig } : {}),
    comments: { readSticky: async () => input.sticky },
  } as unknown as RepoGitHub;
}

describe("forkGate", () => {
  it.each([
    { case: "nothing approved", gh: {}, approvedSha: undefined, expected: "awaiting" },
    { case: "approved in this process", gh: {}, approvedSha: HEAD, expected: "approved" },
    { case: "another head approved", gh: {}, approvedSha: OTHER, expected: "awaiting" },
    { case: "approval recorded in the sticky comment", gh: { sticky: `Preview\n${approvalMarkerFor(HEAD)}` }, approvedSha: undefined, expected: "approved" },
    { case: "an older head's approval in the comment", gh: { sticky: approvalMarkerFor(OTHER) }, approvedSha: undefined, expected: "awaiting" },
    { case: "only an awaiting marker for this head", gh: { sticky: awaitingMarkerFor(HEAD) }, approvedSha: undefined, expected: "awaiting" },
    { case: "forks: never on the base branch beats an approval", gh: { baseConfig: "forks: never\n", sticky: approvalMarkerFor(HEAD) }, approvedSha: HEAD, expected: "never" },
    { case: "forks: approve on the base branch", gh: { baseConfig: "forks: approve\n" }, approvedSha: HEAD, expected: "approved" },
    { case: "an unreadable base config does not lift the gate", gh: { baseConfig: "forks: [\n" }, approvedSha: undefined, expected: "awaiting" },
  ])("$case -> $expected", async ({ gh, approvedSha, expected }) => {
    const gate = await forkGate(github(gh), { pr: 7, sha: HEAD, baseSha: BASE, ...(approvedSha ? { approvedSha } : {}) });
    expect(gate).toBe(expected);
  });
});

describe("awaitingApproval", () => {
  it("reads the head berth asked about from its own comment", async () => {
    expect(await awaitingApproval(github({ sticky: `waiting\n${awaitingMarkerFor(HEAD.toUpperCase())}` }), 7)).toBe(HEAD);
    expect(await awaitingApproval(github({ sticky: "no marker" }), 7)).toBeUndefined();
    expect(await awaitingApproval(github({}), 7)).toBeUndefined();
  });
});
