import { BerthError } from "../../errors.js";
import { LimitError, StackError } from "../errors.js";
import { SETTLED_STATUSES, type EnsureStackInput, type StackSummary } from "../ports.js";
import { buildDataTasksTag, DATA_TASKS_TAG } from "./data-tasks.js";
import type { DeployDeps } from "./deploy-preview.js";
import { isPriorityInUse } from "./listener-priority.js";
import { compareReleasePhase, sameTags } from "./release-phase-change.js";
import { DEPLOYING_TAG, SERVING_TAG } from "./serving-tags.js";
import { type HookAction, withRolloutHooks } from "./rollout-hooks.js";
import { isBlueGreenTemplate } from "../../stack/blue-green.js";
import { LIVE_TARGET_PARAMETER, type LiveTargetGroup } from "../../stack/load-balancer.js";
import { explainStoppedService } from "./stopped-service.js";
import { baseParameterName } from "../../stack/base-stack.js";

/*
 * The stack operations of a deploy, apart from its order: a create or update that finds itself a
 * listener rule priority, the tags-only updates after it, what a failed rollout's services say,
 * whether the release phase needs an update at all, and the load balancer's room for a new preview.
 */

/**
 * Creates or updates the preview stack with a listener rule priority: the stack's own, else a new
 * one; another process taking it (PriorityInUse) gets the next free one, up to four tries.
 */
export async function ensureWithPriority(
  deps: DeployDeps,
  input: {
    name: string;
    template: Record<string, unknown>;
    tags: Record<string, string>;
    listenerArn: string;
    /** Template parameters besides the rule priority: the base stack's outputs. */
    parameters: Record<string, string>;
    priority: number | undefined;
    onProgress: (line: string) => void;
    watch?: EnsureStackInput["watch"];
    awaitResources?: EnsureStackInput["awaitResources"];
    /** The stack as read moments before; used by the first attempt only (a failed one changes the stack). */
    current?: EnsureStackInput["current"];
    onComplete?: EnsureStackInput["onComplete"];
    /**
     * A fast rollout's answer for the first deployment of the public service found waiting at its
     * pause hook (a push: once the release steps ended); every other one is continued.
     */
    hookFirst?: () => Promise<HookAction>;
    /** The public service starts only once this settles (a first deploy's release gate opened): no pause is looked for before. */
    hooksAfter?: Promise<unknown>;
    /** A fast rollout's target group that serves now (the template's `LiveTargetGroup`); default primary. */
    liveTarget?: LiveTargetGroup;
  },
): Promise<{ stack: StackSummary; priority: number }> {
  let priority = input.priority ?? (await deps.priorities.allocate(input.listenerArn));
  const cluster = input.parameters[baseParameterName("ClusterName")] ?? "";
  for (let attempt = 1; ; attempt += 1) {
    try {
      const hooks = { template: input.template, cluster, stackName: input.name, retryMs: deps.options.hookRetryMs ?? 5_000, ...(input.hookFirst ? { first: input.hookFirst } : {}), ...(input.hooksAfter ? { after: input.hooksAfter } : {}) };
      const stack = await withRolloutHooks(deps, hooks, (continued) => deps.stacks.ensure({
        name: input.name,
        template: input.template,
        tags: input.tags,
        parameters: {
          ...input.parameters,
          ...(isBlueGreenTemplate(input.template) ? { [LIVE_TARGET_PARAMETER]: input.liveTarget ?? "primary" } : {}),
          ListenerRulePriority: String(priority),
        },
        onProgress: input.onProgress,
        ...(input.watch ? { watch: input.watch } : {}),
        ...(input.awaitResources ? { awaitResources: input.awaitResources } : {}),
        ...(input.current && attempt === 1 ? { current: input.current } : {}),
        ...(input.onComplete ? { onComplete: input.onComplete } : {}),
        ...(continued ? { continued } : {}),
      }));
      return { stack, priority };
    } catch (error) {
      const text = error instanceof BerthError ? `${error.message} ${error.userMessage}` : String(error);
      if (attempt >= 4 || !isPriorityInUse(text)) throw error;
      deps.log.warn({ priority, attempt }, "listener rule priority taken by someone else; allocating another");
      deps.priorities.reject(priority);
      priority = await deps.priorities.allocate(input.listenerArn);
    }
  }
}

/** A rollout's stack operation as it ran, with the listener rule priority it got. */
type RolloutInput = Parameters<typeof ensureWithPriority>[1] & { priority: number };

/** A tags-only update of the template the rollout ran: its tags with `tags` over them. */
function retagRollout(deps: DeployDeps, rollout: RolloutInput, tags: Record<string, string>): Promise<StackSummary> {
  return deps.stacks.ensure({
    name: rollout.name,
    template: rollout.template,
    tags: { ...rollout.tags, ...tags },
    parameters: { ...rollout.parameters, ListenerRulePriority: String(rollout.priority) },
    onProgress: rollout.onProgress,
  });
}

/**
 * Names the commit that served before in `berth:sha` again, after the rollout update named the new
 * one and berth's own rollout or health check failed: a tags-only update of the rollout's template.
 */
export async function restoreServingTag(deps: DeployDeps, rollout: RolloutInput, servedBefore: string): Promise<void> {
  await retagRollout(deps, rollout, { [SERVING_TAG]: servedBefore });
}

/**
 * Records the data services' tasks a gated create's seed wrote into in `berth:data-tasks`, with a
 * tags-only update of the template the create ran, after the preview is reported ready: the create
 * could not name tasks that did not exist yet. A failure is logged; the next deploy then records
 * them without comparing.
 */
export async function recordDataTasks(deps: DeployDeps, created: RolloutInput, dataTasks: Promise<string | undefined>): Promise<void> {
  try {
    const tasks = await dataTasks;
    if (tasks === undefined) return;
    await retagRollout(deps, created, { [DATA_TASKS_TAG]: tasks });
  } catch (error) {
    deps.log.warn({ err: error, stack: created.name }, "could not record the data services' tasks on the stack; the next deploy records them");
  }
}

/**
 * CloudFormation fails a rollout whose ECS service the circuit breaker stopped without saying why
 * the tasks failed; when the services' events say ECS could not place them for want of capacity,
 * the failure may pass, and is rethrown as transient with ECS's words. Otherwise, with `stopped`,
 * it is rethrown with why the service's latest task stopped and its log (see explainStoppedService).
 */
export async function rethrowWithShortage(
  deps: DeployDeps,
  error: unknown,
  input: { cluster: string; services: string[]; stopped?: Omit<Parameters<typeof explainStoppedService>[2], "cluster"> },
): Promise<never> {
  if (!(error instanceof StackError) || error.transient !== undefined || error.firstFailure?.type !== "AWS::ECS::Service") throw error;
  const shortage = await deps.tasks.findPlacementShortage(input).catch(() => undefined);
  if (shortage === undefined) throw input.stopped ? await explainStoppedService(deps, error, { cluster: input.cluster, ...input.stopped }) : error;
  throw new StackError(error.message, {
    cause: error,
    stackName: error.stackName,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.firstFailure === undefined ? {} : { firstFailure: error.firstFailure }),
    userMessage: `${error.userMessage}\nECS: ${shortage}`,
    transient: "AWS",
  });
}

/**
 * What the release phase's update would change on the existing stack (see compareReleasePhase):
 * read only when the stack is settled and its tags (apart from `berth:deploying`, which the
 * rollout sets anyway) and parameters are already those the update would set. A template that
 * cannot be read counts as `other`: the update runs, as it always did.
 */
export async function releasePhaseChange(
  deps: DeployDeps,
  existing: StackSummary | undefined,
  wanted: { template: Record<string, unknown>; tags: Record<string, string>; parameters: Record<string, string>; image: string | undefined },
  /** The stack's template, read already beside other reads (see stack-reads.ts). */
  read?: Promise<Record<string, unknown> | undefined>,
): Promise<{ change: "none" | "release-image" | "other"; current?: Record<string, unknown> }> {
  if (!existing || !SETTLED_STATUSES.has(existing.status) || existing.parameters.ListenerRulePriority === undefined) return { change: "other" };
  if (!sameTags(existing.tags, wanted.tags, [DEPLOYING_TAG])) return { change: "other" };
  if (Object.entries(wanted.parameters).some(([key, value]) => existing.parameters[key] !== value)) return { change: "other" };
  // Unreadable (a bot role without cloudformation:GetTemplate yet): the stack update decides, as before.
  const current = await (read ?? deps.stacks.findTemplate(existing.name)).catch((error: unknown) => {
    deps.log.warn({ err: error, stack: existing.name }, "could not read the stack's template; updating it for the release phase");
    return undefined;
  });
  return { change: compareReleasePhase(current, wanted.template, wanted.image), ...(current ? { current } : {}) };
}

/** The data services' running tasks as the `berth:data-tasks` tag records them; undefined without data services. */
export async function findDataTasks(deps: Pick<DeployDeps, "tasks">, cluster: string, services: Record<string, string>): Promise<string | undefined> {
  return buildDataTasksTag(services, Object.keys(services).length === 0 ? {} : await deps.tasks.runningTasks({ cluster, services: Object.values(services) }));
}

/**
 * Fails with the limit and the way out when the listener or its load balancer holds no further
 * preview: one rule, and one target group (two with the fast rollout, `targetGroups`).
 */
export async function assertHeadroom(deps: Pick<DeployDeps, "loadBalancers">, listenerArn: string, targetGroupsNeeded = 1): Promise<void> {
  const { rules, targetGroups, loadBalancerArn } = await deps.loadBalancers.headroom(listenerArn);
  const fix = "Close pull requests whose previews are no longer needed, or shard: deploy a second base stack from deploy/base.yml and a second berth for some repositories.";
  if (targetGroups.used + targetGroupsNeeded > targetGroups.limit) {
    const each = targetGroupsNeeded === 1 ? "" : ` A preview takes ${targetGroupsNeeded} with the base stack's FastRollout.`;
    throw new LimitError(`load balancer ${loadBalancerArn} routes to ${targetGroups.used} of ${targetGroups.limit} target groups`, {
      limit: "target groups per load balancer",
      userMessage: `No room for a new preview: the shared load balancer already routes to ${targetGroups.used} target groups, and AWS allows ${targetGroups.limit} per Application Load Balancer, not adjustable.${each} ${fix}`,
    });
  }
  if (rules.used + 1 > rules.limit) {
    throw new LimitError(`listener ${listenerArn} has ${rules.used} of ${rules.limit} rules`, {
      limit: "listener rules",
      userMessage: `No room for a new preview: the shared load balancer's listener already has ${rules.used} rules, and AWS allows ${rules.limit} per Application Load Balancer by default; a Service Quotas increase raises that. ${fix}`,
    });
  }
}
