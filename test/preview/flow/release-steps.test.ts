import { describe, expect, it } from "vitest";
import { planReleaseSteps } from "../../../src/preview/flow/release-steps.js";
import type { ReleaseStep } from "../../../src/stack/release.js";

const migrate: ReleaseStep = { name: "migrate", command: ["bin/rails", "db:migrate"] };
const seed: ReleaseStep = { name: "seed", command: ["bin/rails", "db:seed"] };
const buckets: ReleaseStep = { name: "init:createbuckets", service: "createbuckets" };

describe("planReleaseSteps", () => {
  it.each([
    { steps: [migrate, seed], reseed: true, due: ["migrate", "seed"], skipped: [] },
    { steps: [migrate, seed], reseed: false, due: ["migrate"], skipped: [["seed", "data kept from the previous deploy"]] },
    { steps: [seed], reseed: true, due: ["seed"], skipped: [["migrate", "no release.migrate in .github/preview.yml"]] },
    {
      steps: [],
      reseed: true,
      due: [],
      skipped: [
        ["migrate", "no release.migrate in .github/preview.yml"],
        ["seed", "no release.seed in .github/preview.yml"],
      ],
    },
  ])("steps $steps.length, reseed $reseed: runs $due", ({ steps, reseed, due, skipped }) => {
    const plan = planReleaseSteps(steps, reseed);
    expect(plan.due.map((s) => s.name)).toEqual(due);
    expect(plan.skipped).toEqual(skipped);
    expect(plan.oneShots).toEqual([]);
  });

  it("runs every one-shot service on every deploy, before migrate and seed, in the order given", () => {
    const other: ReleaseStep = { name: "init:mc", service: "mc" };
    const plan = planReleaseSteps([buckets, other, migrate, seed], false);
    expect(plan.oneShots.map((s) => s.name)).toEqual(["init:createbuckets", "init:mc"]);
    expect(plan.due.map((s) => s.name)).toEqual(["migrate"]);
  });
});
