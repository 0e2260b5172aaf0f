/**
 * A timed layer over the stateful AWS fake: on a virtual clock (the caller installs
 * `@sinonjs/fake-timers`, which also drives the app's own sleeps), every call takes
 * `model.apiCall` seconds, and what the fakes would do on successive polls happens at the times
 * the latency model gives instead: a stack operation completes when its resources and launching
 * services would have, a one-off task starts after its launch and stops after its steps, a service
 * rolled outside CloudFormation completes after one launch and health, a target group turns healthy
 * with its service, and a blue/green service deployment moves through its stages (timed-blue-green.ts). It records what a benchmark reports: the calls by operation, each AWS
 * completion and when the app first saw it, and every Fargate launch.
 *
 * The fakes are wrapped, not changed: the layer holds a stack's remaining steps until the
 * operation's end, and sets a task's, deployment's or target group's poll counter before each
 * describe so the fake answers what AWS would at that moment. It expects the fake built with
 * `TIMED_FAKE_OPTIONS` (one poll per step).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { StackEvent } from "@aws-sdk/client-cloudformation";
import type { ServiceDeployment } from "@aws-sdk/client-ecs";
import type { AwsFake, AwsFakeOptions } from "../aws-fake.js";
import { stackOperationTiming, taskRunSeconds, type LatencyModel, type ModelChange, type ModelTemplate } from "./latency-model.js";
import { isBlueGreen } from "./ecs-service-deployments.js";
import { timeBlueGreen } from "./timed-blue-green.js";

/** The fake's poll counts the timed layer steers: each transition takes one describe. */
export const TIMED_FAKE_OPTIONS: AwsFakeOptions = { stackPolls: 2, changeSetPolls: 1, taskPolls: { provisioning: 1, running: 1 }, rolloutPolls: 1, healthPolls: 1 };

/** Something AWS finished, and when the app first saw it finished (virtual ms since the epoch). */
export interface Completion {
  what: string;
  at: number;
  noticedAt?: number;
  /** Whether the app was waiting for it (saw it unfinished, or it is a stack operation or task the app started). */
  awaited: boolean;
}

/** A Fargate launch: from its start to the container running. */
export interface Launch {
  what: string;
  start: number;
  end: number;
}

export interface TimedAws {
  /** Calls received since the last `reset()`, by operation name. */
  readonly calls: Map<string, number>;
  /** The same calls in order, each with the virtual time AWS received it. */
  readonly log: Array<{ command: string; at: number }>;
  readonly completions: Completion[];
  readonly launches: Launch[];
  /** Forgets the calls, completions and launches recorded so far (the state of AWS stays). */
  reset(): void;
}

interface StackOperation {
  stack: string;
  what: string;
  end: number;
  steps: Array<() => void>;
  completion: Completion;
  drained: boolean;
  /** When the operation started (the call that started it). */
  startedAt: number;
  /** Whether its end has been reached: its remaining steps run, but for any that wait on a blue/green service deployment. */
  ended?: boolean;
  /**
   * A gated create's resources that the gate does not hold (the data services among them) are
   * created at `at`: the steps before `gateStep` run then.
   */
  early?: { at: number; gateStep: () => void; completion: Completion; done: boolean };
}

interface TimedTask {
  runAt: number;
  launchAt: number;
  stopAt: number;
  completion: Completion;
}

type Send = (command: { input: Record<string, unknown>; constructor: { name: string } }, ...rest: unknown[]) => Promise<unknown>;

/**
 * Throws unless `clock` drives `node:timers/promises`, where the adapters and this layer sleep:
 * @sinonjs/fake-timers fakes it from version 15 on. With an older one every wait would hang on a
 * timer the virtual clock never fires, until the test times out.
 */
export function assertClockDrivesSleeps(clock: { countTimers(): number }): void {
  const before = clock.countTimers();
  const probe = new AbortController();
  sleep(1, undefined, { signal: probe.signal }).catch(() => {});
  const counted = clock.countTimers() - before;
  probe.abort();
  if (counted !== 1) {
    throw new Error("the virtual clock does not drive node:timers/promises: @sinonjs/fake-timers before 15 leaves it real (is node_modules older than package-lock.json? npm ci)");
  }
}

/** Puts the timed layer over `fake`'s clients (the ones the app was given): call it before the app's first AWS call. */
export function timeAws(fake: AwsFake, model: LatencyModel): TimedAws {
  const { cloudformation: cf, ecs, elbv2: elb } = fake.state;
  const ms = (seconds: number) => Math.round(seconds * 1000);
  const now = () => Date.now();
  const result: TimedAws = {
    calls: new Map(),
    log: [],
    completions: [],
    launches: [],
    reset() {
      result.calls.clear();
      result.log.length = 0;
      result.completions.length = 0;
      result.launches.length = 0;
    },
  };
  const templates = new Map<string, { template: ModelTemplate; parameters: Record<string, string> }>();
  const operations = new Map<string, StackOperation>();
  /** How many events each stack had before the call that starts an operation. */
  const eventsBefore = new Map<string, number>();
  /** The fake stamps events by its own clock; AWS stamps them when they happen. */
  const stamp = (stack: string, from: number, at: number) => {
    for (const event of cf.stacks.get(stack)?.events.slice(from) ?? []) event.Timestamp = new Date(at);
  };
  /**
   * CloudFormation starts an ECS service (its first `*_IN_PROGRESS` event) once the resources it
   * depends on exist, not with the operation: the fake writes those events at the operation's
   * start, and the layer holds them, by stack and logical id, until their level's launch.
   */
  const unstarted = new Map<string, Map<string, StackEvent[]>>();
  const serviceStarts: Array<{ stack: string; ids: string[]; at: number }> = [];
  const startServices = (stack: string, ids: string[], at: number) => serviceStarts.push({ stack, ids, at });
  const releaseStarts = (upTo: number, stack?: string) => {
    serviceStarts.sort((a, b) => a.at - b.at);
    for (const start of [...serviceStarts]) {
      if (start.at > upTo || (stack !== undefined && start.stack !== stack)) continue;
      serviceStarts.splice(serviceStarts.indexOf(start), 1);
      const held = unstarted.get(start.stack);
      for (const id of start.ids) {
        for (const event of held?.get(id) ?? []) cf.stacks.get(start.stack)?.events.push({ ...event, Timestamp: new Date(start.at) });
        held?.delete(id);
      }
    }
  };
  const tasks = new Map<string, TimedTask>();
  /** What happens when the wait condition of a stack's running operation gets its outcome. */
  const gated = new Map<string, (status: "SUCCESS" | "FAILURE") => void>();
  cf.gateListeners.push((stack, outcome) => {
    gated.get(stack)?.(outcome.status);
    gated.delete(stack);
  });
  /** When each ECS deployment completes, by deployment id. */
  const deploymentDue = new Map<string, { at: number; completion?: Completion }>();
  /** When each target group's targets turn healthy, by ARN. */
  const healthyAt = new Map<string, { at: number; completion: Completion }>();

  const complete = (what: string, at: number, awaited: boolean): Completion => {
    const completion: Completion = { what, at, awaited };
    result.completions.push(completion);
    return completion;
  };
  const notice = (completion: Completion | undefined) => {
    if (completion && completion.noticedAt === undefined && now() >= completion.at) completion.noticedAt = now();
  };
  const blueGreen = timeBlueGreen({
    deployments: ecs.serviceDeployments,
    elb,
    model,
    now,
    complete,
    notice,
    launches: result.launches,
    healthy: (targetGroupArn, at, service) => healthyAt.set(targetGroupArn, { at, completion: complete(`targets of ${service} healthy`, at, false) }),
  });
  /**
   * The gate of a stack opened: services it held that deploy blue/green start their deployment now
   * (the steps up to the gate's decision run at once; the rest wait for the operation's end).
   */
  const openGate = (stack: string, gateStep: () => void) => {
    // What AWS finished before the signal (a gated create's early resources) happens first.
    advance();
    const op = operations.get(stack);
    if (!op || op.drained || (op.early && !op.early.done) || !op.steps.includes(gateStep)) return;
    const from = cf.stacks.get(stack)?.events.length ?? 0;
    while (op.steps.length > 0 && op.steps[0] !== gateStep) op.steps.shift()?.();
    op.steps.shift()?.();
    op.steps.shift()?.();
    stamp(stack, from, now());
    blueGreen.date();
  };

  /** New ECS deployments get their due time: `at` when CloudFormation waited for them, else one launch and health from now. */
  const dateDeployments = (at: number | undefined) => {
    for (const service of ecs.services.values()) {
      for (const deployment of service.deployments) {
        // A blue/green service's deployment is timed by its service deployment (timed-blue-green.ts).
        if (deploymentDue.has(deployment.id) || deployment.rolloutState !== "IN_PROGRESS" || deployment.serviceDeploymentArn !== undefined) continue;
        const outside = at === undefined;
        const due = at ?? now() + ms(model.serviceLaunch + model.serviceHealthy);
        const completion = outside ? complete(`rollout of ${service.serviceName}`, due, false) : undefined;
        deploymentDue.set(deployment.id, { at: due, ...(completion ? { completion } : {}) });
        if (outside) result.launches.push({ what: `service ${service.serviceName}`, start: now(), end: now() + ms(model.serviceLaunch) });
        if ((service.desiredCount ?? 0) > 0) {
          for (const lb of service.loadBalancers ?? []) {
            if (lb.targetGroupArn) healthyAt.set(lb.targetGroupArn, { at: due, completion: complete(`targets of ${service.serviceName} healthy`, due, false) });
          }
        }
      }
    }
  };

  /** Whatever AWS finished by now happens in the fakes. */
  const advance = () => {
    releaseStarts(now());
    for (const op of operations.values()) {
      if (op.early && !op.early.done && now() >= op.early.at) {
        op.early.done = true;
        const from = cf.stacks.get(op.stack)?.events.length ?? 0;
        while (op.steps.length > 0 && op.steps[0] !== op.early.gateStep) op.steps.shift()?.();
        stamp(op.stack, from, op.early.at);
        dateDeployments(op.early.at);
      }
      if (op.drained || now() < op.end) continue;
      if (!op.ended) {
        op.ended = true;
        // Services that never started (a closed gate) show no start.
        releaseStarts(op.end, op.stack);
        unstarted.delete(op.stack);
        serviceStarts.splice(0, serviceStarts.length, ...serviceStarts.filter((s) => s.stack !== op.stack));
      }
      const stack = cf.stacks.get(op.stack);
      const from = stack?.events.length ?? 0;
      // A step that waits on a blue/green service deployment runs once that deployment ended.
      while (op.steps.length > 0 && !(stack && cf.holdsStep(stack, op.steps[0]!))) op.steps.shift()?.();
      const at = Math.max(op.end, blueGreen.doneSince(op.startedAt) ?? now());
      stamp(op.stack, from, at);
      dateDeployments(at);
      blueGreen.date();
      if (op.steps.length > 0) continue;
      op.drained = true;
      op.completion.at = at;
    }
  };

  const before = (name: string, input: Record<string, unknown>) => {
    blueGreen.settle();
    advance();
    switch (name) {
      case "ExecuteChangeSet":
      case "DeleteStack":
      case "ContinueUpdateRollback": {
        const stack = cf.stacks.get(String(input.StackName));
        if (stack) eventsBefore.set(stack.name, stack.events.length);
        break;
      }
      case "CreateChangeSet": {
        const parameters = Object.fromEntries(((input.Parameters ?? []) as Array<{ ParameterKey: string; ParameterValue: string }>).map((p) => [p.ParameterKey, p.ParameterValue]));
        templates.set(`${String(input.StackName)}/${String(input.ChangeSetName)}`, { template: JSON.parse(String(input.TemplateBody)) as ModelTemplate, parameters });
        break;
      }
      case "DescribeTasks":
        for (const ref of (input.tasks ?? []) as string[]) {
          const task = ecs.tasks.get(ref);
          const timed = tasks.get(ref);
          if (!task || !timed || task.lastStatus === "STOPPED") continue;
          // A launched task has run, even when nobody looked while it ran (its container exits with a code).
          if (now() >= timed.launchAt && task.lastStatus === "PROVISIONING") {
            task.lastStatus = "RUNNING";
            task.startedAt = new Date(timed.launchAt);
            for (const container of task.containers ?? []) container.lastStatus = "RUNNING";
          }
          // The fake moves a task one phase per describe: PROVISIONING below 1, RUNNING at 1, STOPPED above.
          task.step = now() < timed.launchAt ? -1e9 : now() < timed.stopAt ? 0 : 1e9;
        }
        break;
      case "DescribeServices":
        for (const service of ecs.services.values()) {
          for (const deployment of service.deployments) {
            const due = deploymentDue.get(deployment.id);
            if (due && deployment.rolloutState === "IN_PROGRESS") deployment.pollsLeft = now() >= due.at ? 1 : Number.POSITIVE_INFINITY;
          }
        }
        break;
      case "DescribeTargetHealth": {
        const group = elb.targetGroups.get(String(input.TargetGroupArn));
        const healthy = healthyAt.get(String(input.TargetGroupArn));
        if (group && healthy) group.polls = now() >= healthy.at ? 1e9 : -1e9;
        break;
      }
    }
  };

  const after = (name: string, input: Record<string, unknown>, out: Record<string, unknown> | undefined, error: unknown) => {
    switch (name) {
      case "ExecuteChangeSet":
      case "DeleteStack":
      case "ContinueUpdateRollback": {
        if (error) break;
        const stack = cf.stacks.get(String(input.StackName)) ?? [...cf.stacks.values()].find((s) => s.stackId === input.StackName);
        if (!stack || stack.steps.length === 0 || operations.get(stack.name)?.drained === false) break;
        let seconds = model.stackResources;
        const execAt = now();
        let earlyCreate: StackOperation["early"];
        let what = `${name === "DeleteStack" ? "delete" : "rollback"} of ${stack.name}`;
        let rolling = new Set<string>();
        if (name === "DeleteStack") seconds = model.deleteStack;
        if (name === "ExecuteChangeSet") {
          const executed = cf.executed.at(-1);
          const sent = templates.get(`${stack.name}/${String(input.ChangeSetName)}`);
          const changes: ModelChange[] = (executed?.changes ?? []).map((c) => ({
            action: c.ResourceChange?.Action ?? "",
            logicalId: c.ResourceChange?.LogicalResourceId ?? "",
            type: c.ResourceChange?.ResourceType ?? "",
            ...(c.ResourceChange?.Replacement ? { replacement: c.ResourceChange.Replacement } : {}),
          }));
          const previous = stack.current ? (JSON.parse(stack.current.templateBody) as ModelTemplate) : undefined;
          const timing = stackOperationTiming({ model, changes, template: sent?.template ?? {}, ...(previous ? { previous } : {}), parameters: sent?.parameters ?? {} });
          const heldBlueGreen = stack.gate !== undefined && timing.blueGreen.some((id) => stack.gate?.held.has(id));
          const gateStep = stack.gate?.step;
          seconds = timing.seconds;
          what = `${stack.current ? "update" : "create"} of ${stack.name}`;
          const nonService = timing.seconds - timing.levels.length * (model.serviceLaunch + model.serviceHealthy);
          const launchFrom = (at: number) =>
            timing.levels.forEach((ids, level) => {
              const start = at + ms(level * (model.serviceLaunch + model.serviceHealthy));
              result.launches.push({ what: `services ${ids.join(", ")} of ${stack.name}`, start, end: start + ms(model.serviceLaunch) });
              startServices(stack.name, ids, start);
            });
          const service = model.serviceLaunch + model.serviceHealthy;
          if (stack.gate && !stack.current) {
            // A gated create: what the gate does not hold (the data services' levels among it) is
            // created at once; the levels of the services behind the gate start once it opens.
            const held = stack.gate.held;
            const heldLevels = timing.levels.filter((ids) => ids.some((id) => held.has(id))).length;
            const freeLevels = timing.levels.length - heldLevels;
            const earlyAt = execAt + ms(nonService + freeLevels * service);
            timing.levels.slice(0, freeLevels).forEach((ids, level) => {
              const start = execAt + ms(nonService + level * service);
              result.launches.push({ what: `services ${ids.join(", ")} of ${stack.name}`, start, end: start + ms(model.serviceLaunch) });
              startServices(stack.name, ids, start);
            });
            earlyCreate = { at: earlyAt, gateStep: stack.gate.step, completion: complete(`resources of ${stack.name} outside its release gate`, earlyAt, true), done: false };
            gated.set(stack.name, (status) => {
              const op = operations.get(stack.name);
              if (!op) return;
              const from = Math.max(earlyAt, now());
              const end = status === "SUCCESS" ? from + ms(heldLevels * service) : now() + ms(model.stackResources);
              if (status === "SUCCESS") {
                timing.levels.slice(freeLevels).forEach((ids, level) => {
                  const start = from + ms(level * service);
                  result.launches.push({ what: `services ${ids.join(", ")} of ${stack.name}`, start, end: start + ms(model.serviceLaunch) });
                  startServices(stack.name, ids, start);
                });
              }
              op.end = end;
              op.completion.at = end;
              if (status === "SUCCESS" && heldBlueGreen && gateStep) openGate(stack.name, gateStep);
            });
            seconds = Number.POSITIVE_INFINITY;
          } else if (stack.gate) {
            // Held behind its wait condition: the services start their levels once the gate opens
            // (and the non-service resources are done); a closed gate fails and rolls back.
            gated.set(stack.name, (status) => {
              const op = operations.get(stack.name);
              if (!op) return;
              const end = status === "SUCCESS"
                ? Math.max(execAt + ms(nonService), now()) + ms(timing.levels.length * (model.serviceLaunch + model.serviceHealthy))
                : now() + ms(model.stackResources);
              if (status === "SUCCESS") launchFrom(Math.max(execAt + ms(nonService), now()));
              op.end = end;
              op.completion.at = end;
              if (status === "SUCCESS" && heldBlueGreen && gateStep) openGate(stack.name, gateStep);
            });
            seconds = Number.POSITIVE_INFINITY;
          } else launchFrom(now() + ms(nonService));
          rolling = new Set(timing.levels.flat());
        }
        // The operation's first events (resources in progress) at once, the rest at its end; a
        // rolling service's start when its level launches.
        const from = eventsBefore.get(stack.name) ?? stack.events.length;
        stack.steps.shift()?.();
        stamp(stack.name, from, now());
        const held = new Map<string, StackEvent[]>();
        for (let index = stack.events.length - 1; index >= from; index--) {
          const event = stack.events[index]!;
          const id = event.LogicalResourceId ?? "";
          if (event.ResourceType !== "AWS::ECS::Service" || !String(event.ResourceStatus).endsWith("_IN_PROGRESS") || !rolling.has(id)) continue;
          held.set(id, [event, ...(held.get(id) ?? [])]);
          stack.events.splice(index, 1);
        }
        unstarted.set(stack.name, held);
        releaseStarts(now(), stack.name);
        const end = Number.isFinite(seconds) ? now() + ms(seconds) : Number.POSITIVE_INFINITY;
        const op: StackOperation = { stack: stack.name, what, end, steps: stack.steps, completion: complete(what, end, true), drained: false, startedAt: execAt, ...(earlyCreate ? { early: earlyCreate } : {}) };
        stack.steps = [];
        operations.set(stack.name, op);
        break;
      }
      case "DescribeStacks":
      case "DescribeStackEvents": {
        const op = operations.get(String(input.StackName)) ?? [...operations.values()].find((o) => cf.stacks.get(o.stack)?.stackId === input.StackName);
        if (name === "DescribeStackEvents" && op?.early?.done) notice(op.early.completion);
        if (!op?.drained) break;
        const gone = error !== undefined && /does not exist/.test(String((error as Error).message));
        const stacks = (out?.Stacks ?? []) as Array<{ StackStatus?: string }>;
        const events = (out?.StackEvents ?? []) as Array<{ ResourceType?: string; ResourceStatus?: string }>;
        const settled = gone || stacks.some((s) => !String(s.StackStatus).endsWith("_IN_PROGRESS")) ||
          events.some((e) => e.ResourceType === "AWS::CloudFormation::Stack" && !String(e.ResourceStatus).endsWith("_IN_PROGRESS"));
        if (settled) notice(op.completion);
        break;
      }
      case "RunTask": {
        for (const started of (out?.tasks ?? []) as Array<{ taskArn?: string; taskDefinitionArn?: string; overrides?: { containerOverrides?: Array<{ name?: string; command?: string[] }> } }>) {
          if (!started.taskArn || tasks.has(started.taskArn)) continue;
          const definition = ecs.findTaskDefinition(started.taskDefinitionArn ?? "");
          const overrides = started.overrides?.containerOverrides ?? [];
          const commands = runOrder(definition?.containerDefinitions ?? []).map((c) => (overrides.find((o) => o.name === c.name)?.command ?? c.command ?? []).join(" "));
          const run = taskRunSeconds(model, commands);
          const launchAt = now() + ms(model.taskLaunch);
          const stopAt = launchAt + ms(run.seconds);
          tasks.set(started.taskArn, { runAt: now(), launchAt, stopAt, completion: complete(`task ${run.steps.join("+") || "(no step)"} stopped`, stopAt, true) });
          result.launches.push({ what: `task ${run.steps.join("+")}`, start: now(), end: launchAt });
        }
        break;
      }
      case "DescribeTasks":
        for (const task of (out?.tasks ?? []) as Array<{ taskArn?: string; lastStatus?: string; createdAt?: Date; startedAt?: Date; stoppedAt?: Date }>) {
          const timed = tasks.get(task.taskArn ?? "");
          if (!timed) continue;
          // The fake's timestamps come from its own clock; AWS's tell when each phase happened.
          task.createdAt = new Date(timed.runAt);
          if (task.startedAt) task.startedAt = new Date(timed.launchAt);
          if (task.stoppedAt) task.stoppedAt = new Date(Math.min(now(), timed.stopAt));
          if (task.lastStatus === "STOPPED") notice(timed.completion);
        }
        break;
      case "DescribeServices":
        for (const service of (out?.services ?? []) as Array<{ deployments?: Array<{ id?: string; rolloutState?: string }> }>) {
          for (const deployment of service.deployments ?? []) {
            const due = deploymentDue.get(deployment.id ?? "");
            if (!due?.completion) continue;
            if (deployment.rolloutState === "IN_PROGRESS") due.completion.awaited = true;
            else notice(due.completion);
          }
        }
        break;
      case "ContinueServiceDeployment":
        if (!error) blueGreen.continued(String(input.serviceDeploymentArn));
        break;
      case "UpdateService": {
        // A new desired count alone scales a blue/green service in place (no deployment to time):
        // its new tasks still launch and pass the health check in the group it serves from.
        const service = [...ecs.services.values()].find((s) => s.serviceArn === input.service || s.serviceName === input.service);
        if (error || !service || !isBlueGreen(service) || input.taskDefinition !== undefined || !((input.desiredCount as number | undefined) ?? 0)) break;
        const targetGroupArn = ecs.serviceDeployments.servingTargetGroup(service);
        const due = now() + ms(model.serviceLaunch + model.serviceHealthy);
        if (targetGroupArn) healthyAt.set(targetGroupArn, { at: due, completion: complete(`targets of ${service.serviceName} healthy`, due, false) });
        result.launches.push({ what: `service ${service.serviceName}`, start: now(), end: now() + ms(model.serviceLaunch) });
        break;
      }
      case "DescribeServiceDeployments":
        blueGreen.seen((out?.serviceDeployments ?? []) as ServiceDeployment[]);
        break;
      case "DescribeTargetHealth": {
        const healthy = healthyAt.get(String(input.TargetGroupArn));
        const descriptions = (out?.TargetHealthDescriptions ?? []) as Array<{ TargetHealth?: { State?: string } }>;
        if (!healthy) break;
        if (descriptions.some((d) => d.TargetHealth?.State === "healthy")) notice(healthy.completion);
        else healthy.completion.awaited = true;
        break;
      }
    }
    dateDeployments(undefined);
    blueGreen.date();
  };

  for (const client of Object.values(fake.clients) as unknown as Array<{ send: Send }>) {
    const original = client.send.bind(client) as Send;
    client.send = async (command, ...rest) => {
      const name = command.constructor.name.replace(/Command$/, "");
      const input = command.input;
      await sleep(ms(model.apiCall));
      result.calls.set(name, (result.calls.get(name) ?? 0) + 1);
      result.log.push({ command: name, at: now() });
      before(name, input);
      try {
        const out = (await original(command, ...rest)) as Record<string, unknown>;
        after(name, input, out, undefined);
        return out;
      } catch (error) {
        after(name, input, undefined, error);
        throw error;
      }
    };
  }
  return result;
}

/**
 * A task's containers in the order they run: each after those its `dependsOn` names (a chained
 * release task's steps one after the other), the others in the definition's order.
 */
function runOrder<C extends { name?: string; dependsOn?: Array<{ containerName?: string }> }>(containers: C[]): C[] {
  const ordered: C[] = [];
  const placed = new Set<string>();
  const place = (container: C): void => {
    if (placed.has(container.name ?? "")) return;
    placed.add(container.name ?? "");
    for (const dependency of container.dependsOn ?? []) {
      const before = containers.find((c) => c.name === dependency.containerName);
      if (before) place(before);
    }
    ordered.push(container);
  };
  containers.forEach(place);
  return ordered;
}
