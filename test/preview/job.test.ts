import { describe, expect, it } from "vitest";
import { mergeJobs, type PreviewJob } from "../../src/preview/job.js";

const push: PreviewJob = {
  repo: { owner: "acme", repo: "shop" },
  pr: 7,
  action: "deploy",
  sha: "2".repeat(40),
  replaces: "1".repeat(40),
  baseBranch: "develop",
  baseSha: "a".repeat(40),
};

describe("mergeJobs", () => {
  it("keeps a waiting push when the pull request is retargeted, with the new base the rules judge", () => {
    const retarget: PreviewJob = { ...push, replaces: undefined, retargeted: true, baseBranch: "main", baseSha: "b".repeat(40) };

    expect(mergeJobs(push, retarget)).toEqual({ ...push, baseBranch: "main", baseSha: "b".repeat(40) });
  });

  it("lets a push that follows a retarget win, as any newer head does", () => {
    const retarget: PreviewJob = { ...push, sha: "1".repeat(40), replaces: undefined, retargeted: true };

    expect(mergeJobs(retarget, push)).toEqual(push);
  });
});
