/**
 * GitHub delivers webhooks in no guaranteed order: under load a push's delivery can overtake an
 * older push's. A `synchronize` says which head it replaced (`before`), so a push delivered after a
 * newer one is recognised and does not take the preview back to an older head.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { SHA1, SHA2, STACK, IMAGE } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

const SHA3 = "3333333333333333333333333333333333333333";
const SHA4 = "4444444444444444444444444444444444444444";

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

function start(): Harness {
  const harness = createHarness({ files: readFixtureRepo("rails-postgres") });
  for (const sha of [SHA1, SHA2, SHA3, SHA4]) harness.aws.putImage(IMAGE(sha));
  return harness;
}

const opened = (sha: string) => h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha }));
/** A push from `before` to `after`, as GitHub's `synchronize` payload tells it. */
const pushed = (before: string, after: string) => h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: after, before }));

describe("pushes delivered out of order", () => {
  it("a push delivered after a newer push does not replace it: the newest head deploys, the older one gets no check run", async () => {
    h = start();
    await opened(SHA1);
    await pushed(SHA2, SHA3);
    await pushed(SHA1, SHA2);
    await h.settle();

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA3);
    expect(h.github.checkRun(SHA3)?.conclusion).toBe("success");
    expect(h.github.checkRun(SHA2)).toBeUndefined();
  });

  it("two pushes delivered after the newest one, in any order, deploy neither of their heads", async () => {
    h = start();
    await opened(SHA1);
    await pushed(SHA3, SHA4);
    await pushed(SHA1, SHA2);
    await pushed(SHA2, SHA3);
    await h.settle();

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA4);
    expect(h.github.checkRun(SHA4)?.conclusion).toBe("success");
    expect([...h.github.checkRuns(SHA2), ...h.github.checkRuns(SHA3)]).toEqual([]);
  });

  it("a push from a head berth never heard of (its delivery was lost) deploys", async () => {
    h = start();
    await opened(SHA1);
    await h.settle();
    await pushed(SHA2, SHA3);
    await h.settle();

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA3);
    expect(h.github.checkRun(SHA3)?.conclusion).toBe("success");
  });

  it("an opened delivered after the first push does not take the preview back to the opened head", async () => {
    h = start();
    await pushed(SHA1, SHA2);
    await h.settle();
    await opened(SHA1);
    await h.settle();

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA2);
    expect(h.github.checkRuns(SHA1)).toEqual([]);
  });

  it("a push back to an earlier head (a revert, a force-push) deploys it again", async () => {
    h = start();
    await opened(SHA1);
    await pushed(SHA1, SHA2);
    await h.settle();
    await pushed(SHA2, SHA1);
    await h.settle();

    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
  });
});
