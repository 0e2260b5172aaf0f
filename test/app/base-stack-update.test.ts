import { afterEach, describe, expect, it, vi } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1, SHA2, STACK } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

let h: Harness;
afterEach(() => {
  vi.restoreAllMocks();
  expect(h.github.problems()).toEqual([]);
  h.close();
});

describe("the operator updates the base stack while previews live", () => {
  it("is not refused, and the next deploy of each preview passes the new outputs", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.putImage(IMAGE(SHA2));
    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();
    const cfn = h.aws.state.cloudformation;
    expect(cfn.stacks.get(STACK)?.current?.parameters.BaseLogGroup).toBe("/berth/previews");

    // With Fn::ImportValue, CloudFormation refuses this while the preview exists.
    expect(() => cfn.updateSeededOutputs("berth-base", { LogGroup: "/berth/previews-v2" })).not.toThrow();
    h.aws.state.logs.createGroup("/berth/previews-v2");
    // Past the time berth keeps the base stack's outputs.
    const later = Date.now() + 10 * 60_000;
    vi.spyOn(Date, "now").mockReturnValue(later);

    await h.receive("pull_request", pullRequestPayload("synchronize", { number: 7, sha: SHA2 }));
    await h.settle();

    expect(h.github.checkRun(SHA2)?.conclusion).toBe("success");
    const stack = cfn.stacks.get(STACK)!;
    expect(stack.current?.parameters.BaseLogGroup).toBe("/berth/previews-v2");
    expect(stack.current?.imports).toEqual([]);
    const web = [...cfn.resources(STACK).values()].find((r) => r.logicalId === "WebTaskDefinition");
    expect(JSON.stringify(web?.props)).toContain('"awslogs-group":"/berth/previews-v2"');
  });

  it("the fake refuses, as CloudFormation does, to change an export a stack imports", () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    const cfn = h.aws.state.cloudformation;
    cfn.stacks.set("importer", { ...cfn.stacks.get("berth-base")!, name: "importer", current: { imports: ["berth-base-Domain"] } as never });
    expect(() => cfn.updateSeededOutputs("berth-base", { Domain: "pr.example.org" })).toThrow(
      "Cannot update export berth-base-Domain as it is in use by importer",
    );
  });
});

describe("checks against the base stack's outputs at deploy", () => {
  it("refuses a secret outside SecretsPrefix before touching AWS, naming the line", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres"), aws: { baseStack: { outputs: { SecretsPrefix: "preview/" } as never } } });
    h.aws.putImage(IMAGE(SHA1));

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toContain(
      '.github/preview.yml:13: secrets.SECRET_KEY_BASE: the SSM parameter\'s name does not start with "/preview/", the base stack\'s SecretsPrefix;',
    );
    expect(h.aws.mutations()).toEqual([]);
  });

  it("deploys a secret given by SSM parameter name under SecretsPrefix", async () => {
    const files = readFixtureRepo("rails-postgres");
    files[".github/preview.yml"] = files[".github/preview.yml"]!.replace(/SECRET_KEY_BASE: .*/, "SECRET_KEY_BASE: /preview/shop/secret_key_base");
    h = createHarness({ files, aws: { baseStack: { outputs: { SecretsPrefix: "preview/" } as never } } });
    h.aws.putImage(IMAGE(SHA1));

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    const web = h.aws.state.cloudformation.resources(STACK).get("WebTaskDefinition");
    expect(JSON.stringify(web?.props)).toContain('"Secrets":[{"Name":"SECRET_KEY_BASE","ValueFrom":"/preview/shop/secret_key_base"}]');
  });
});
