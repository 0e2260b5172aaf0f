import { afterEach, describe, expect, it } from "vitest";
import { previewHostLabel } from "../../src/stack/naming.js";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { HOST, IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

/** The host-header values of every listener rule AWS holds now. */
function ruleHosts(harness: Harness): unknown[] {
  const rule = harness.aws.state.cloudformation.resources(STACK).get("PublicListenerRule");
  const conditions = (rule?.props.Conditions ?? []) as Array<{ Field: string; HostHeaderConfig?: { Values: unknown[] } }>;
  return conditions.filter((c) => c.Field === "host-header").flatMap((c) => c.HostHeaderConfig?.Values ?? []);
}

/** The stacks berth made (the base stack is seeded by the fake). */
function previewStacks(harness: Harness): string[] {
  return [...harness.aws.state.cloudformation.stacks.keys()].filter((name) => name.startsWith("berth-") && name !== "berth-base");
}

describe("preview host names are keyed with the operator's host key", () => {
  it("the listener rule, the check run, the deployment and the comment use the keyed host; the stack keeps its name", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(ruleHosts(h)).toEqual([HOST]);
    expect(previewStacks(h)).toEqual([STACK]);
    expect(h.github.checkRun(SHA1)?.output.title).toBe(`Preview ready: https://${HOST}`);
    expect(h.github.state.deployments[0]?.statuses.at(-1)?.environment_url).toBe(`https://${HOST}`);
    expect(h.github.stickyComments()[0]?.body).toContain(`- **URL:** [https://${HOST}](<https://${HOST}>)`);
  });

  it("the same key gives the same host on the next deploy; a new key moves the preview to a new host on its next deploy, in the same stack", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();
    expect(ruleHosts(h)).toEqual([HOST]);

    const key = "a-rotated-host-key-3c9e1b7a5d2f4e6081a3b5c7d9e0f1a2";
    const moved = `${previewHostLabel({ owner: "acme", repo: "shop", pr: 7 }, key)}.preview.example.com`;
    h.kill();
    h.restart({ hostKey: key });
    await h.ready();
    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(moved).not.toBe(HOST);
    expect(moved).toMatch(/^shop-pr-7-acme-[a-z2-7]{16}\.preview\.example\.com$/);
    expect(ruleHosts(h)).toEqual([moved]);
    expect(previewStacks(h)).toEqual([STACK]);
    expect(h.github.stickyComments()).toHaveLength(1);
    expect(h.github.stickyComments()[0]?.body).toContain(`https://${moved}`);
    expect(h.github.stickyComments()[0]?.body).not.toContain(HOST);
  });
});
