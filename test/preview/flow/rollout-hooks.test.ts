import { describe, expect, it } from "vitest";
import { AwsCallError } from "../../../src/preview/errors.js";
import {
  clusterOfService,
  keepRolloutHooks,
  leftRollout,
  liveTargetFor,
  liveTargetGroupArn,
  liveTargetOf,
  publicServiceId,
  withRolloutHooks,
  type HookDeps,
} from "../../../src/preview/flow/rollout-hooks.js";
import type { PausedDeployment, StackSummary } from "../../../src/preview/ports.js";
import { silentLogger } from "../../../src/util/logger.js";

const SERVICE = "arn:aws:ecs:us-east-1:123456789012:service/berth-previews/berth-shop-pr-7-WebService-1a2b";
const PRIMARY = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/berth-pr-aaaa/1";
const ALTERNATE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/berth-pr-bbbb/2";
const ASLEEP = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/berth-wake/3";

function stack(parameters: Record<string, string> = {}, outputs: Record<string, string> = {}): StackSummary {
  return {
    name: "berth-shop-pr-7",
    status: "UPDATE_COMPLETE",
    tags: {},
    parameters,
    outputs: { TargetGroupArn: PRIMARY, AlternateTargetGroupArn: ALTERNATE, PublicServiceArn: SERVICE, ...outputs },
  };
}

const FAST = {
  Parameters: { LiveTargetGroup: { Type: "String" } },
  Resources: {
    DbService: { Type: "AWS::ECS::Service", Properties: {} },
    WebService: { Type: "AWS::ECS::Service", Properties: { LoadBalancers: [{ ContainerName: "web" }] } },
  },
};

describe("the fast rollout's template and stack facts", () => {
  it("finds the public service: the ECS service behind the load balancer", () => {
    expect(publicServiceId(FAST)).toBe("WebService");
    expect(publicServiceId({ Resources: { DbService: { Type: "AWS::ECS::Service", Properties: {} } } })).toBeUndefined();
  });

  it.each([
    ["the rule forwards to the alternate group", ALTERNATE, {}, "alternate"],
    ["the rule forwards to the primary group", PRIMARY, { LiveTargetGroup: "alternate" }, "primary"],
    ["asleep: berth's own group, the recorded one stays", ASLEEP, { LiveTargetGroup: "alternate" }, "alternate"],
    ["the rule was not read, nothing recorded", undefined, {}, "primary"],
  ] as const)("%s", (_, forwarded, parameters, expected) => {
    expect(liveTargetOf(stack(parameters), forwarded)).toBe(expected);
  });

  it("keeps the recorded weights while an update leaves the rule alone, and reads the rule's when it changes it", async () => {
    const rule = { Type: "AWS::ElasticLoadBalancingV2::ListenerRule", Properties: { Priority: { Ref: "ListenerRulePriority" } } };
    const running = { Resources: { PublicListenerRule: rule } };
    const read: string[] = [];
    const deps = { loadBalancers: { forwardedTo: async (arn: string) => (read.push(arn), ALTERNATE) } };
    const recorded = stack({ LiveTargetGroup: "primary" }, { ListenerRuleArn: "rule-arn" });

    await expect(liveTargetFor(deps, { stack: recorded, running, wanted: { Resources: { PublicListenerRule: structuredClone(rule) } } })).resolves.toBe("primary");
    expect(read).toEqual([]);
    const cidrs = { ...rule, Properties: { ...rule.Properties, Conditions: [{ Field: "source-ip" }] } };
    await expect(liveTargetFor(deps, { stack: recorded, running, wanted: { Resources: { PublicListenerRule: cidrs } } })).resolves.toBe("alternate");
    // The running template unknown: read too.
    await expect(liveTargetFor(deps, { stack: recorded, running: undefined, wanted: running })).resolves.toBe("alternate");
    expect(read).toEqual(["rule-arn", "rule-arn"]);
  });

  it("names the serving target group's ARN from the recorded parameter", () => {
    expect(liveTargetGroupArn(stack({ LiveTargetGroup: "alternate" }))).toBe(ALTERNATE);
    expect(liveTargetGroupArn(stack({ LiveTargetGroup: "primary" }))).toBe(PRIMARY);
    // A stack from before the fast rollout has one target group.
    expect(liveTargetGroupArn({ ...stack({ LiveTargetGroup: "alternate" }), outputs: { TargetGroupArn: PRIMARY } })).toBe(PRIMARY);
  });

  it.each([
    ["a stopped berth's push still updating: its new version must not take the traffic", "UPDATE_IN_PROGRESS", {}, "ROLLBACK"],
    ["CloudFormation rolling that push back: its deployment restores what served", "UPDATE_ROLLBACK_IN_PROGRESS", {}, "CONTINUE"],
    ["a settled stack", "UPDATE_COMPLETE", {}, undefined],
    ["a rolling preview", "UPDATE_IN_PROGRESS", { AlternateTargetGroupArn: "" }, undefined],
  ] as const)("a fast rollout left by a stopped berth: %s", (_, status, outputs, action) => {
    const left = leftRollout({ ...stack({}, outputs), status });
    expect(left?.action).toBe(action);
    if (action) expect(left?.service).toBe(SERVICE);
  });

  it("reads the cluster out of a service ARN", () => {
    expect(clusterOfService(SERVICE)).toBe("berth-previews");
    expect(clusterOfService("arn:aws:ecs:us-east-1:123456789012:service/web")).toBe("default");
  });
});

/** A service whose deployments wait at the hook one after another, and what berth answered. */
function hookDeps(paused: PausedDeployment[], options: { failWith?: Error; resourceAfter?: number } = {}) {
  const answers: Array<{ deploymentArn: string; action: string }> = [];
  let lookups = 0;
  let failed = false;
  const deps: HookDeps = {
    hooks: {
      waitPaused: async ({ signal }) => {
        if (options.failWith && !failed) {
          failed = true;
          throw options.failWith;
        }
        const next = paused.shift();
        if (next) return next;
        // Nothing more pauses: the wait lasts until the operation ends.
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        return undefined;
      },
      findPaused: async () => undefined,
      resume: async ({ deploymentArn, action }) => {
        answers.push({ deploymentArn, action });
      },
    },
    stacks: {
      findResource: async () => (++lookups > (options.resourceAfter ?? 0) ? SERVICE : undefined),
      find: async () => undefined,
    },
    log: silentLogger,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  return { deps, answers, lookups: () => lookups };
}

function operation(): { ended: Promise<void>; end: () => void } {
  let end: () => void = () => {};
  const ended = new Promise<void>((resolve) => (end = resolve));
  return { ended, end };
}

/** Keeps the hooks of a stack operation (cluster c, stack s) that ends `ms` after it starts. */
async function keepFor(deps: HookDeps, input: Pick<Parameters<typeof keepRolloutHooks>[1], "service" | "first">, ms = 5): Promise<void> {
  const op = operation();
  const kept = keepRolloutHooks(deps, { cluster: "c", stackName: "s", ended: op.ended, retryMs: 1, ...input });
  await new Promise((resolve) => setTimeout(resolve, ms));
  op.end();
  await kept;
}

describe("keepRolloutHooks", () => {
  it("answers the first paused deployment as told and continues every later one (CloudFormation's rollback)", async () => {
    const { deps, answers } = hookDeps([
      { deploymentArn: "push", hookId: "h1" },
      { deploymentArn: "rollback", hookId: "h2" },
    ]);
    const op = operation();
    let steps: (action: "CONTINUE" | "ROLLBACK") => void = () => {};
    const decided = new Promise<"CONTINUE" | "ROLLBACK">((resolve) => (steps = resolve));
    const kept = keepRolloutHooks(deps, { cluster: "c", stackName: "s", service: { logicalId: "WebService" }, ended: op.ended, first: () => decided, retryMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Nothing is answered while the release steps still run.
    expect(answers).toEqual([]);
    steps("ROLLBACK");
    await new Promise((resolve) => setTimeout(resolve, 5));
    op.end();
    await kept;
    expect(answers).toEqual([
      { deploymentArn: "push", action: "ROLLBACK" },
      { deploymentArn: "rollback", action: "CONTINUE" },
    ]);
  });

  it("continues every deployment of an operation without release steps to wait for", async () => {
    const { deps, answers } = hookDeps([{ deploymentArn: "update", hookId: "h1" }]);
    await keepFor(deps, { service: { arn: SERVICE } });
    expect(answers).toEqual([{ deploymentArn: "update", action: "CONTINUE" }]);
  });

  it("looks the service up again while the stack has not created it yet", async () => {
    const { deps, answers, lookups } = hookDeps([{ deploymentArn: "create", hookId: "h1" }], { resourceAfter: 2 });
    await keepFor(deps, { service: { logicalId: "WebService" } }, 20);
    expect(lookups()).toBe(3);
    expect(answers).toEqual([{ deploymentArn: "create", action: "CONTINUE" }]);
  });

  it("looks again when its answer finds the hook answered already (a retried call AWS had applied)", async () => {
    const { deps, answers } = hookDeps([
      { deploymentArn: "push", hookId: "h1" },
      { deploymentArn: "rollback", hookId: "h2" },
    ]);
    const resume = deps.hooks.resume;
    let first = true;
    deps.hooks.resume = async (input) => {
      await resume(input);
      if (first) {
        first = false;
        throw new AwsCallError("ContinueServiceDeployment: InvalidParameterException", { operation: "ContinueServiceDeployment", code: "InvalidParameterException", userMessage: "not awaiting action" });
      }
    };
    await keepFor(deps, { service: { arn: SERVICE }, first: async () => "ROLLBACK" });
    expect(answers).toEqual([
      { deploymentArn: "push", action: "ROLLBACK" },
      { deploymentArn: "rollback", action: "CONTINUE" },
    ]);
  });

  it("looks again after a failure that may pass, and gives up on one that repeats (access denied)", async () => {
    const transient = new AwsCallError("ListServiceDeployments: ServerException", { operation: "ListServiceDeployments", transient: "AWS", userMessage: "AWS ListServiceDeployments failed" });
    const retried = hookDeps([{ deploymentArn: "push", hookId: "h1" }], { failWith: transient });
    await keepFor(retried.deps, { service: { arn: SERVICE } }, 10);
    expect(retried.answers).toEqual([{ deploymentArn: "push", action: "CONTINUE" }]);

    const denied = new AwsCallError("ListServiceDeployments: AccessDeniedException", {
      operation: "ListServiceDeployments",
      code: "AccessDeniedException",
      userMessage: "AWS ListServiceDeployments failed for the service: not authorized",
    });
    const refused = hookDeps([], { failWith: denied });
    await expect(keepRolloutHooks(refused.deps, { cluster: "c", stackName: "s", service: { arn: SERVICE }, ended: new Promise(() => {}), retryMs: 1 })).rejects.toBe(denied);
  });
});

describe("withRolloutHooks", () => {
  it("runs an operation on a template without the fast rollout as it is", async () => {
    const { deps, lookups } = hookDeps([]);
    const result = await withRolloutHooks(deps, { template: { Resources: {} }, cluster: "c", stackName: "s", retryMs: 1 }, async () => "done");
    expect(result).toBe("done");
    expect(lookups()).toBe(0);
  });

  it("fails at once when ECS refuses berth, rather than at the hook's timeout", async () => {
    const denied = new AwsCallError("ListServiceDeployments: AccessDeniedException", { operation: "ListServiceDeployments", code: "AccessDeniedException", userMessage: "not authorized" });
    const { deps } = hookDeps([], { failWith: denied });
    await expect(withRolloutHooks(deps, { template: FAST, cluster: "c", stackName: "s", retryMs: 1 }, () => new Promise(() => {}))).rejects.toBe(denied);
  });
});
