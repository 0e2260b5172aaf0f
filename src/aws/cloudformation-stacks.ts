import { randomUUID } from "node:crypto";
import {
  ContinueUpdateRollbackCommand,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  ListStacksCommand,
  StackStatus,
  type CloudFormationClient,
  type DescribeChangeSetCommandOutput,
  type Stack,
} from "@aws-sdk/client-cloudformation";
import { OwnershipError, StackError } from "../preview/errors.js";
import { SETTLED_STATUSES, type EnsureStackInput, type Signal, type StackPort, type StackSummary } from "../preview/ports.js";
import { awsCall, errorMessage, errorName } from "./aws-call.js";
import { AwsPace } from "./aws-pace.js";
import { DurationMemory, expectBlueGreenMs, expectHeldRolloutMs, expectStackChangeMs, TYPICAL_MS } from "./expected-duration.js";
import { clampPace, expectServicesStable, operationEnd, operationSpan, resourceTimes } from "./operation-progress.js";
import { formatDuration, pause, pollUntil, timing, type Cadence, type PollTiming } from "./poll.js";
import { EventCursor } from "./stack-event-cursor.js";
import { failedOperation, formatStackEvent } from "./stack-events.js";
import { summarize, unsummarize } from "./stack-summary.js";

/** CloudFormation's limit for an inline TemplateBody; larger templates need an S3 upload. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/** How berth recognizes its own stacks. */
export interface StackOwnership {
  /** Every stack berth manages is named with this prefix, e.g. `berth-`. */
  prefix: string;
  /** Tag that marks a stack as berth's, e.g. `berth:managed`. */
  tagKey: string;
  /** Its value; default `true`. */
  tagValue?: string;
}

export interface CloudFormationStacksOptions {
  client: CloudFormationClient;
  ownership: StackOwnership;
  /** First delay between polls; doubles up to `maxPollDelayMs`. Default 5 s. */
  pollDelayMs?: number;
  /** Default four times `pollDelayMs`. */
  maxPollDelayMs?: number;
  /** Longest wait for one change set or stack operation. Default 60 min. */
  timeoutMs?: number;
  /** DeleteStack attempts after the first one ends in DELETE_FAILED. Default 2. */
  deleteRetries?: number;
  /** Pause before retrying a DELETE_FAILED (lingering task network interfaces need time). Default 12 x `pollDelayMs`. */
  deleteRetryDelayMs?: number;
  /** AWS's pace as the engine's adapters last timed it (shared with the ECS adapter); default one of its own. */
  pace?: AwsPace;
}

const DONE = new Set(["CREATE_COMPLETE", "UPDATE_COMPLETE"]);
/** Every status but DELETE_COMPLETE: ListStacks would otherwise return each deleted preview for 90 days. */
const LIVE_STATUSES = Object.values(StackStatus).filter((status) => status !== StackStatus.DELETE_COMPLETE);
const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;

/**
 * StackPort on CloudFormation: change sets for create and update, the stack's events for progress
 * and for the first failing resource, and a refusal to touch any stack that is not berth's.
 *
 * `find` and `getOutputs` only read and check no ownership; `list` returns only berth's stacks;
 * `ensure` and `delete` refuse (before any mutating call) a name without the prefix or an existing
 * stack without the ownership tag.
 * `ensure` always adds the ownership tag to the stack's tags.
 *
 * A stack that keeps failing to delete is reported, never deleted with RetainResources: retaining
 * would leave resources behind without anyone noticing. The usual cause (network interfaces of
 * stopped tasks still holding a security group) clears within minutes, which the retries cover.
 */
export class CloudFormationStacks implements StackPort {
  private readonly client: CloudFormationClient;
  private readonly ownership: Required<StackOwnership>;
  private readonly timing: PollTiming;
  private readonly deleteRetries: number;
  private readonly deleteRetryDelayMs: number;
  /** How each stack's last operation compared with its estimate (a ratio), for its next estimate. */
  private readonly pace = new DurationMemory();
  /** AWS's pace as last timed, for a wait with no record of its own kind. */
  private readonly awsPace: AwsPace;
  private changeSetCount = 0;

  constructor(options: CloudFormationStacksOptions) {
    this.client = options.client;
    this.ownership = { tagValue: "true", ...options.ownership };
    this.timing = timing(options.pollDelayMs ?? 5_000, options.timeoutMs ?? 60 * 60_000, options.maxPollDelayMs);
    this.deleteRetries = options.deleteRetries ?? 2;
    this.deleteRetryDelayMs = options.deleteRetryDelayMs ?? this.timing.delayMs * 12;
    this.awsPace = options.pace ?? new AwsPace();
  }

  /** The stack, or undefined when it does not exist or is DELETE_COMPLETE. */
  async find(name: string): Promise<StackSummary | undefined> {
    const stack = await this.describe(name);
    return stack && summarize(stack);
  }

  /**
   * The stack's template as berth sent it (GetTemplate, stage Original): after a rolled-back
   * update, the template it rolled back to. Undefined when the stack does not exist, or its
   * template is not JSON (berth sends only JSON, so not a template berth wrote).
   */
  async findTemplate(name: string): Promise<Record<string, unknown> | undefined> {
    this.assertPrefix(name, "read");
    let body: string | undefined;
    try {
      body = (await this.client.send(new GetTemplateCommand({ StackName: name, TemplateStage: "Original" }))).TemplateBody;
    } catch (error) {
      if (errorName(error) === "ValidationError" && /does not exist/.test(errorMessage(error))) return undefined;
      return awsCall("GetTemplate", `stack ${name}`, () => Promise.reject(error));
    }
    try {
      const parsed: unknown = JSON.parse(body ?? "");
      return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The presigned URL of the wait condition handle the stack's running create or update waits on,
   * read from that operation's events (newest first, back to the stack's own CREATE_IN_PROGRESS or
   * UPDATE_IN_PROGRESS): a handle created, its wait condition neither complete nor failed.
   * Undefined when no operation runs or it waits on no gate.
   */
  async findOpenGate(name: string): Promise<string | undefined> {
    this.assertPrefix(name, "read");
    const stack = await this.describe(name);
    const running = stack?.StackStatus;
    if (running !== "UPDATE_IN_PROGRESS" && running !== "CREATE_IN_PROGRESS") return undefined;
    let handle: string | undefined;
    let token: string | undefined;
    do {
      const page = await awsCall("DescribeStackEvents", `stack ${name}`, () =>
        this.client.send(new DescribeStackEventsCommand({ StackName: name, NextToken: token })),
      );
      for (const event of page.StackEvents ?? []) {
        // The running operation's own first event: everything older belongs to earlier operations.
        if (event.ResourceType === "AWS::CloudFormation::Stack") return event.ResourceStatus === running ? handle : undefined;
        if (event.ResourceType === "AWS::CloudFormation::WaitCondition" && event.ResourceStatus !== "CREATE_IN_PROGRESS") return undefined;
        if (event.ResourceType === "AWS::CloudFormation::WaitConditionHandle" && event.ResourceStatus === "CREATE_COMPLETE" && event.PhysicalResourceId) {
          handle ??= event.PhysicalResourceId;
        }
      }
      token = page.NextToken;
    } while (token);
    return undefined;
  }

  /**
   * berth's stacks: ListStacks (paginated) for the names with the prefix, then DescribeStacks of
   * each for its tags, keeping those with the ownership tag. Two steps rather than one unnamed
   * DescribeStacks, which would need read access to every stack's outputs in the account; the
   * bot's role may describe `berth-*` stacks only. A stack deleted between the two calls is left out.
   */
  async list(): Promise<StackSummary[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall("ListStacks", `stacks named ${this.ownership.prefix}*`, () =>
        this.client.send(new ListStacksCommand({ StackStatusFilter: LIVE_STATUSES, NextToken: token })),
      );
      for (const summary of page.StackSummaries ?? []) {
        const name = summary.StackName ?? "";
        if (name.startsWith(this.ownership.prefix) && summary.StackStatus !== StackStatus.DELETE_COMPLETE) names.push(name);
      }
      token = page.NextToken;
    } while (token);

    const owned: StackSummary[] = [];
    for (const name of names) {
      const stack = await this.describe(name);
      if (stack && this.isOwned(stack)) owned.push(summarize(stack));
    }
    return owned;
  }

  /** Outputs of a stack berth does not own (the operator's base stack). */
  async getOutputs(name: string): Promise<Record<string, string>> {
    const stack = await this.describe(name);
    if (!stack) {
      throw new StackError(`read outputs of stack ${name}: stack does not exist`, {
        stackName: name,
        userMessage: `The base stack ${name} does not exist in this AWS account and region. Deploy deploy/base.yml as the stack ${name} first.`,
      });
    }
    return summarize(stack).outputs;
  }

  /** Creates or updates the stack through a change set and waits for the end state. */
  async ensure(input: EnsureStackInput): Promise<StackSummary> {
    const { name, signal } = input;
    const progress = input.onProgress ?? (() => {});
    this.assertPrefix(name, "update");
    const body = JSON.stringify(input.template);
    const bytes = Buffer.byteLength(body);
    if (bytes > MAX_TEMPLATE_BODY_BYTES) {
      throw new StackError(`ensure stack ${name}: template is ${bytes} bytes, over the ${MAX_TEMPLATE_BODY_BYTES}-byte TemplateBody limit`, {
        stackName: name,
        userMessage: `The preview's CloudFormation template for ${name} is ${bytes} bytes; CloudFormation accepts at most ${MAX_TEMPLATE_BODY_BYTES} bytes inline and berth does not upload larger templates yet. Fewer services or shorter environments make it smaller.`,
      });
    }

    let stack = input.current && (input.current.stack === undefined || SETTLED_STATUSES.has(input.current.stack.status)) ? unsummarize(input.current.stack) : await this.describe(name);
    if (stack) this.assertOwned(stack, "update");
    if (stack && isBusy(stack.StackStatus)) {
      progress(`waiting for the running ${stack.StackStatus} of ${name} to finish`);
      stack = await this.waitSettled(name, signal);
    }
    if (stack?.StackStatus === "UPDATE_ROLLBACK_FAILED") {
      // Closing the pull request would be the only other way out, and it deletes the data.
      progress(`continuing the rollback of ${name}, left in UPDATE_ROLLBACK_FAILED`);
      stack = await this.continueRollback(stack, signal);
    }
    if (stack?.StackStatus === "ROLLBACK_COMPLETE") {
      // A failed first create leaves a stack that can only be deleted.
      progress(`deleting ${name}, left in ROLLBACK_COMPLETE by a failed create`);
      await this.deleteOwned(stack, signal);
      stack = undefined;
    }
    if (stack && stack.StackStatus !== "REVIEW_IN_PROGRESS" && isStuck(stack.StackStatus)) {
      throw new StackError(`ensure stack ${name}: stack is ${stack.StackStatus}`, {
        stackName: name,
        status: stack.StackStatus,
        userMessage: `Stack ${name} is in ${stack.StackStatus} and cannot be updated. ${stack.StackStatusReason ?? ""}`.trim() +
          " Close and reopen the pull request to recreate the preview.",
      });
    }

    // A stack in REVIEW_IN_PROGRESS is the shell of an earlier create whose change set never ran.
    const type = !stack || stack.StackStatus === "REVIEW_IN_PROGRESS" ? "CREATE" : "UPDATE";
    const verb = type === "CREATE" ? "create" : "update";
    const changeSetName = `berth-${Date.now()}-${++this.changeSetCount}`;
    const tags = { ...input.tags, [this.ownership.tagKey]: this.ownership.tagValue };
    // Idempotency tokens: the SDK's own retry of a request AWS applied but whose answer was lost
    // repeats the token, and CloudFormation answers it as the same request instead of failing.
    await awsCall("CreateChangeSet", `stack ${name}`, () =>
      this.client.send(
        new CreateChangeSetCommand({
          StackName: name,
          ChangeSetName: changeSetName,
          ClientToken: token(),
          ChangeSetType: type,
          TemplateBody: body,
          // berth's templates create no IAM resources today; passing the capability keeps a future
          // role from failing the change set.
          Capabilities: ["CAPABILITY_IAM"],
          Parameters: Object.entries(input.parameters ?? {}).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
        { abortSignal: signal },
      ),
    );

    const changeSet = await this.waitChangeSet(name, changeSetName, signal);
    if (changeSet.Status !== "CREATE_COMPLETE") {
      await this.deleteChangeSet(name, changeSetName);
      const reason = changeSet.StatusReason ?? changeSet.Status ?? "unknown";
      if (type === "UPDATE" && NO_CHANGES.test(reason)) {
        progress(`no changes to ${name}`);
        return summarize((await this.describe(name)) ?? (stack as Stack));
      }
      throw new StackError(`${verb} stack ${name}: change set ${changeSetName} ${changeSet.Status}: ${reason}`, {
        stackName: name,
        status: stack?.StackStatus,
        userMessage: `CloudFormation rejected the ${verb} of stack ${name}: ${reason}`,
      });
    }
    progress(`change set for ${name}: ${changeSet.Changes?.length ?? 0} resource changes`);

    const planned = {
      template: input.template,
      parameters: input.parameters ?? {},
      changes: (changeSet.Changes ?? []).map((c) => ({
        action: c.ResourceChange?.Action,
        logicalId: c.ResourceChange?.LogicalResourceId,
        type: c.ResourceChange?.ResourceType,
        replacement: c.ResourceChange?.Replacement,
        scope: c.ResourceChange?.Scope,
      })),
    };
    // A watched handle is a release gate: the services wait for a release task's launch and its steps.
    let estimate = expectStackChangeMs({ ...planned, ...(input.watch ? { heldMs: TYPICAL_MS.taskLaunch + TYPICAL_MS.step } : {}) });
    // Once the gate opens, what is left is the held services' rollout: the wait aims at that instead.
    const opened = input.watch?.opened ? { opened: input.watch.opened, afterOpenMs: expectHeldRolloutMs({ ...planned, heldBy: input.watch.logicalId }) } : {};
    // A blue/green service nothing holds launches at once and ends a traffic shift after berth continued it.
    const blueGreen = expectBlueGreenMs({ ...planned, ...(input.watch ? { heldBy: input.watch.logicalId } : {}) });
    const continued = blueGreen ? { blueGreen, ...(input.continued ? { continued: input.continued } : {}) } : {};
    // The operation's events carry the token of the call that started it, so no marker is read first.
    const executeToken = token();
    const events = new EventCursor(this.client, name, executeToken);
    await awsCall("ExecuteChangeSet", `stack ${name}`, () =>
      this.client.send(new ExecuteChangeSetCommand({ StackName: name, ChangeSetName: changeSetName, ClientRequestToken: executeToken }), { abortSignal: signal }),
    );
    if (input.watch) await this.watchCreated(name, events, input.watch, signal);
    let paceKey = input.watch ? `${name} gated` : name;
    if (input.awaitResources) {
      // Resources nothing holds back: the others of the stack, then one rollout of the ECS services among them.
      const resources = (input.template as { Resources?: Record<string, { Type?: string }> }).Resources ?? {};
      const services = input.awaitResources.logicalIds.filter((id) => resources[id]?.Type === "AWS::ECS::Service");
      await this.awaitResources(name, events, { ...input.awaitResources, services }, signal);
      // From there: the release task's launch and its steps (a first deploy's migrate and seed),
      // then the held services' rollout. A stack is created once: its pace is learned across previews.
      estimate = TYPICAL_MS.taskLaunch + 2 * TYPICAL_MS.step + TYPICAL_MS.serviceRollout;
      paceKey = "gated create";
    }
    // A gated update's pace is learned apart: its length follows the release steps.
    const final = await this.waitSettled(name, signal, { events, progress, expectedMs: estimate, paceKey, ...opened, ...continued, ...(input.onComplete ? { onComplete: input.onComplete } : {}) });
    if (final && DONE.has(final.StackStatus ?? "")) return summarize(final);
    throw failedOperation(verb, name, final, events.all);
  }

  /**
   * Reads the operation's events until the watched resource's CREATE_COMPLETE shows (CloudFormation
   * creates a resource nothing holds back within seconds), the operation ends, or the signal aborts.
   */
  private async watchCreated(name: string, events: EventCursor, watch: NonNullable<EnsureStackInput["watch"]>, signal: Signal): Promise<void> {
    for (let delay = this.timing.delayMs / 5; ; delay = Math.min(delay * 2, this.timing.delayMs)) {
      await events.read();
      const created = events.all.find((e) => e.LogicalResourceId === watch.logicalId && e.ResourceStatus === "CREATE_COMPLETE" && e.PhysicalResourceId);
      if (created) return watch.onCreated(created.PhysicalResourceId!);
      if (events.all.some((e) => e.ResourceType === "AWS::CloudFormation::Stack" && !String(e.ResourceStatus).endsWith("_IN_PROGRESS"))) return;
      await pause(delay, signal);
    }
  }

  /**
   * Reads the operation's events until every awaited resource's CREATE_COMPLETE shows, then tells
   * their physical ids; returns without telling when the operation ends first or the wait times
   * out. Checks rarely before the expected end and often around it (see `nextCheckDelay`), the end
   * re-aimed after each look at what the events tell: once the awaited ECS services started, one
   * rollout after that at the pace the resources before them went (see `expectServicesStable`).
   * The first look comes when those resources typically end, so that a faster AWS shows too.
   * That pace, then the services' own, becomes AWS's pace for the waits that follow.
   */
  private async awaitResources(
    name: string,
    events: EventCursor,
    awaited: NonNullable<EnsureStackInput["awaitResources"]> & { services: string[] },
    signal: Signal,
  ): Promise<void> {
    const started = Date.now();
    const typicalMs = this.awsPace.scale(TYPICAL_MS.stackResources + (awaited.services.length > 0 ? TYPICAL_MS.serviceRollout : 0));
    let timedResources = false;
    let looked = false;
    const expectedMs = () => {
      // The first look comes when the resources before the services typically end: their start shows then.
      if (!looked && awaited.services.length > 0) return this.awsPace.scale(TYPICAL_MS.stackResources);
      const aim = expectServicesStable({ events: events.all, services: awaited.services, now: Date.now(), pace: this.awsPace.factor });
      if (aim?.resourcesPace !== undefined && !timedResources) {
        // What the later waits expect until the services' own rollout is timed.
        timedResources = true;
        this.awsPace.record(aim.resourcesPace * TYPICAL_MS.stackResources, TYPICAL_MS.stackResources);
      }
      return aim === undefined ? typicalMs : aim.endAt - started;
    };
    const found = await pollUntil(async () => {
      looked = true;
      await events.read();
      const ids: Record<string, string> = {};
      for (const e of events.all) {
        if (e.ResourceStatus === "CREATE_COMPLETE" && e.LogicalResourceId && e.PhysicalResourceId && awaited.logicalIds.includes(e.LogicalResourceId)) ids[e.LogicalResourceId] = e.PhysicalResourceId;
      }
      if (awaited.logicalIds.every((id) => ids[id] !== undefined)) return ids;
      // A create that fails rolls back (ROLLBACK_IN_PROGRESS): it creates nothing more.
      return events.all.some((e) => e.ResourceType === "AWS::CloudFormation::Stack" && e.ResourceStatus !== "CREATE_IN_PROGRESS" && e.ResourceStatus !== "UPDATE_IN_PROGRESS")
        ? null
        : undefined;
    }, { ...this.timing, expectedMs, checkAtOnce: false }, signal);
    if (!found) return;
    // The services' rollout, by CloudFormation's clock: the pace the steps and rollouts after it expect.
    const rollouts = awaited.services.map((id) => resourceTimes(events.all, id));
    if (rollouts.length > 0 && rollouts.every((r) => r.started !== undefined && r.completed !== undefined)) {
      this.awsPace.record(Math.max(...rollouts.map((r) => r.completed! - r.started!)), TYPICAL_MS.serviceRollout);
    }
    awaited.onCreated(found);
  }

  /** One resource's physical id, from the stack's resources as ListStackResources lists them (an operation in progress included). */
  async findResource(name: string, logicalId: string): Promise<string | undefined> {
    let next: string | undefined;
    do {
      const page = await awsCall("ListStackResources", `stack ${name}`, () =>
        this.client.send(new ListStackResourcesCommand({ StackName: name, NextToken: next })),
      );
      const found = page.StackResourceSummaries?.find((r) => r.LogicalResourceId === logicalId);
      if (found) return found.PhysicalResourceId || undefined;
      next = page.NextToken;
    } while (next);
    return undefined;
  }

  /** Deletes the stack and waits until it is gone; a missing stack is a no-op. */
  async delete(name: string, signal?: Signal): Promise<void> {
    this.assertPrefix(name, "delete");
    const stack = await this.describe(name);
    if (!stack) return;
    this.assertOwned(stack, "delete");
    await this.deleteOwned(stack, signal);
  }

  private async deleteOwned(stack: Stack, signal: Signal): Promise<void> {
    const name = stack.StackName ?? "";
    const events = new EventCursor(this.client, name);
    let status = stack.StackStatus;
    // A deletion berth did not start (already in progress) has no token berth knows: mark where its events end.
    if (status === "DELETE_IN_PROGRESS") await events.start();
    for (let attempt = 1; ; attempt++) {
      let expectedMs: number | undefined;
      if (status !== "DELETE_IN_PROGRESS") {
        const deleteToken = token();
        events.follow(deleteToken);
        expectedMs = TYPICAL_MS.deleteStack;
        await awsCall("DeleteStack", `stack ${name}`, () =>
          this.client.send(new DeleteStackCommand({ StackName: name, ClientRequestToken: deleteToken }), { abortSignal: signal }),
        );
      }
      const left = await this.waitSettled(name, signal, { events, expectedMs, paceKey: "delete" });
      if (!left) return;
      status = left.StackStatus;
      if (status === "DELETE_FAILED" && attempt <= this.deleteRetries) {
        await pause(this.deleteRetryDelayMs, signal);
        continue;
      }
      throw failedOperation("delete", name, left, events.all, attempt);
    }
  }

  /**
   * Repairs a stack left in UPDATE_ROLLBACK_FAILED (a resource could not be put back, e.g. a
   * service whose old task definition is gone): ContinueUpdateRollback, skipping the resources that
   * failed to roll back (UPDATE_FAILED), then waits for UPDATE_ROLLBACK_COMPLETE, from which the
   * update can run. CloudFormation then considers the skipped resources rolled back; the update
   * that follows sets them from the template again. Throws StackError when the rollback fails again.
   */
  private async continueRollback(stack: Stack, signal: Signal): Promise<Stack | undefined> {
    const name = stack.StackName ?? "";
    const skip: string[] = [];
    let next: string | undefined;
    do {
      const page = await awsCall("ListStackResources", `stack ${name}`, () =>
        this.client.send(new ListStackResourcesCommand({ StackName: name, NextToken: next })),
      );
      for (const r of page.StackResourceSummaries ?? []) {
        if (r.ResourceStatus === "UPDATE_FAILED" && r.LogicalResourceId && r.ResourceType !== "AWS::CloudFormation::Stack") skip.push(r.LogicalResourceId);
      }
      next = page.NextToken;
    } while (next);
    const rollbackToken = token();
    const events = new EventCursor(this.client, name, rollbackToken);
    await awsCall("ContinueUpdateRollback", `stack ${name}`, () =>
      this.client.send(new ContinueUpdateRollbackCommand({ StackName: name, ResourcesToSkip: skip, ClientRequestToken: rollbackToken }), { abortSignal: signal }),
    );
    const settled = await this.waitSettled(name, signal, { events, expectedMs: TYPICAL_MS.stackResources, paceKey: "rollback" });
    if (settled?.StackStatus === "UPDATE_ROLLBACK_COMPLETE") return settled;
    const failed = failedOperation("roll back", name, settled, events.all);
    throw new StackError(failed.message, {
      stackName: name,
      status: failed.status,
      ...(failed.firstFailure ? { firstFailure: failed.firstFailure } : {}),
      userMessage: `${failed.userMessage.replace(/\.?$/, ".")} berth continued the stuck rollback${skip.length > 0 ? `, skipping ${skip.join(", ")}` : ""}, and it failed again; an operator must repair the stack in the CloudFormation console (Continue update rollback).`,
    });
  }

  /**
   * Polls the change set until it is ready or failed. (The SDK's waiter throws on FAILED without
   * the reason in a usable form, and "no changes" is a FAILED change set that means success.)
   */
  private async waitChangeSet(name: string, changeSetName: string, signal: Signal): Promise<DescribeChangeSetCommandOutput> {
    const changeSet = await pollUntil(async () => {
      const out = await awsCall("DescribeChangeSet", `stack ${name}`, () =>
        this.client.send(new DescribeChangeSetCommand({ StackName: name, ChangeSetName: changeSetName })),
      );
      return out.Status === "CREATE_COMPLETE" || out.Status === "FAILED" ? out : undefined;
    }, this.timing, signal);
    if (!changeSet) {
      throw new StackError(`change set ${changeSetName} of ${name}: not ready after ${this.timing.timeoutMs} ms`, {
        stackName: name,
        userMessage: `CloudFormation did not prepare the change set for stack ${name} in time.`,
      });
    }
    return changeSet;
  }

  private async deleteChangeSet(name: string, changeSetName: string): Promise<void> {
    await awsCall("DeleteChangeSet", `stack ${name}`, () =>
      this.client.send(new DeleteChangeSetCommand({ StackName: name, ChangeSetName: changeSetName })),
    );
  }

  /**
   * Polls DescribeStacks until the stack is no longer in progress, then reads the operation's
   * events once (progress lines, and the first failure when it failed).
   *
   * For an operation berth started, `expectedMs` (the estimate from what it changes, scaled by how
   * this stack's last operation compared with its estimate) sets the cadence: no check at once,
   * few before the expected end, one every couple of seconds around it (see `nextCheckDelay`).
   * An operation someone else started is polled with plain back-off from at once.
   */
  private async waitSettled(
    name: string,
    signal: Signal,
    follow: {
      events?: EventCursor;
      progress?: (line: string) => void;
      expectedMs?: number;
      paceKey?: string;
      onComplete?: (stack: StackSummary) => void;
      /** Settles when berth opened the operation's release gate; from then on `afterOpenMs` are left. */
      opened?: Promise<void>;
      afterOpenMs?: number;
      /**
       * A blue/green service the operation rolls beside the release steps: it ends no sooner than
       * `floorMs` from the start, and `tailMs` after `continued` (berth continued it at its hook).
       */
      blueGreen?: { floorMs: number; tailMs: number };
      continued?: Promise<void>;
    } = {},
  ): Promise<Stack | undefined> {
    const { events, progress, paceKey } = follow;
    // A kind of wait not timed before goes at AWS's pace as last timed.
    const paceOf = (key: string | undefined) => clampPace((key === undefined ? undefined : this.pace.find(key)) ?? this.awsPace.factor);
    const expectedMs = follow.expectedMs === undefined ? undefined : follow.expectedMs * paceOf(paceKey);
    const started = Date.now();
    // A gated operation: until the gate opens its end is at least the held services' rollout away;
    // once it opened, at their rollout from then, at the pace of this stack's last such rollout (a
    // create's, for its first update), else of the last one of any stack.
    const afterOpenMs = follow.afterOpenMs ?? 0;
    const openPaceKeys = [`${name} held rollout`, "held rollout"];
    let openedTime: number | undefined;
    const opened = follow.opened?.then(() => void (openedTime = Date.now()));
    const heldRolloutMs = () => afterOpenMs * paceOf(openPaceKeys.find((key) => this.pace.find(key) !== undefined));
    // A blue/green service's launch and health check go at AWS's pace; its traffic shift ends with
    // the target group's deregistration delay, which the template sets.
    const tailMs = follow.blueGreen?.tailMs ?? 0;
    const floorMs = Math.max(0, (follow.blueGreen?.floorMs ?? 0) - tailMs) * this.awsPace.factor + (follow.blueGreen?.floorMs ? tailMs : 0);
    let continuedTime: number | undefined;
    const continued = follow.continued?.then(() => void (continuedTime = Date.now()));
    const expected = (): number | undefined => {
      if (expectedMs === undefined) return expectedMs;
      if (continuedTime !== undefined) return continuedTime - started + tailMs;
      if (opened === undefined) return follow.blueGreen ? Math.max(expectedMs, floorMs) : expectedMs;
      if (openedTime !== undefined) return Math.max(openedTime - started + heldRolloutMs() + tailMs, floorMs);
      return Math.max(expectedMs, Date.now() - started + heldRolloutMs() + tailMs);
    };
    const moves = [opened, continued].filter((p) => p !== undefined);
    const cadence: Cadence = expectedMs === undefined ? this.timing : { ...this.timing, expectedMs: expected, checkAtOnce: false, ...(moves.length > 0 ? { reaim: moves } : {}) };
    const settled = await pollUntil(async () => {
      const stack = await this.describe(name);
      if (!stack) return null;
      // Right after ExecuteChangeSet a new stack may still read REVIEW_IN_PROGRESS.
      const busy = isBusy(stack.StackStatus) || (events !== undefined && stack.StackStatus === "REVIEW_IN_PROGRESS");
      return busy ? undefined : stack;
    }, cadence, signal);
    if (settled === undefined) {
      throw new StackError(`wait for stack ${name}: still in progress after ${this.timing.timeoutMs} ms`, {
        stackName: name,
        userMessage: `Stack ${name} was still changing after ${formatDuration(this.timing.timeoutMs)}.`,
      });
    }
    if (settled && DONE.has(settled.StackStatus ?? "")) follow.onComplete?.(summarize(settled));
    // A stack that is gone has no events left to read, and nothing failed.
    if (events && settled) for (const event of await events.read()) progress?.(formatStackEvent(event));
    if (follow.expectedMs && paceKey !== undefined) {
      // How long it really took, from the operation's own first and last events; else until berth saw the end.
      const took = (events && operationSpan(events.all)) ?? Date.now() - started;
      this.pace.record(paceKey, took / follow.expectedMs);
      // Without a release gate the estimate is AWS's work alone: its pace, for the next first wait
      // of a kind. A failure ends early or late for reasons of its own, which are no pace.
      const succeeded = settled === null || DONE.has(settled.StackStatus ?? "");
      if (follow.opened === undefined && succeeded) this.awsPace.record(took, follow.expectedMs);
    }
    if (openedTime !== undefined && afterOpenMs > 0 && settled && DONE.has(settled.StackStatus ?? "")) {
      // From berth's signal to the end CloudFormation stamped on the operation's last event (AWS's
      // clock, within a second of berth's), not to when berth saw it: a late look must not teach
      // the next wait to look late.
      const end = (events && operationEnd(events.all)) ?? Date.now();
      for (const key of openPaceKeys) this.pace.record(key, Math.max(end - openedTime, 0) / afterOpenMs);
      this.awsPace.record(end - openedTime, afterOpenMs);
    }
    return settled ?? undefined;
  }

  private async describe(name: string): Promise<Stack | undefined> {
    try {
      const out = await this.client.send(new DescribeStacksCommand({ StackName: name }));
      const stack = out.Stacks?.[0];
      return stack?.StackStatus === "DELETE_COMPLETE" ? undefined : stack;
    } catch (error) {
      if (errorName(error) === "ValidationError" && /does not exist/.test(errorMessage(error))) return undefined;
      return awsCall("DescribeStacks", `stack ${name}`, () => Promise.reject(error));
    }
  }

  private assertPrefix(name: string, verb: string): void {
    if (!name.startsWith(this.ownership.prefix)) {
      throw new OwnershipError(`${verb} stack ${name}: name lacks the prefix ${this.ownership.prefix}`, {
        stackName: name,
        userMessage: `berth refuses to ${verb} stack ${name}: its name does not start with ${this.ownership.prefix}, so it is not a berth preview.`,
      });
    }
  }

  private isOwned(stack: Stack): boolean {
    const { tagKey, tagValue } = this.ownership;
    return stack.Tags?.find((t) => t.Key === tagKey)?.Value === tagValue;
  }

  private assertOwned(stack: Stack, verb: string): void {
    const { tagKey, tagValue } = this.ownership;
    if (!this.isOwned(stack)) {
      const name = stack.StackName ?? "";
      throw new OwnershipError(`${verb} stack ${name}: no ${tagKey}=${tagValue} tag`, {
        stackName: name,
        userMessage: `berth refuses to ${verb} stack ${name}: it exists but lacks the tag ${tagKey}=${tagValue}, so berth did not create it.`,
      });
    }
  }
}

/** An operation is running; REVIEW_IN_PROGRESS is not one (it waits for a change set forever). */
function isBusy(status: string | undefined): boolean {
  return status !== undefined && status.endsWith("_IN_PROGRESS") && status !== "REVIEW_IN_PROGRESS";
}

/** States no change set can leave (UPDATE_ROLLBACK_FAILED is repaired before it gets here). */
function isStuck(status: string | undefined): boolean {
  return status === "UPDATE_ROLLBACK_FAILED" || status === "DELETE_FAILED" || status === "ROLLBACK_FAILED" || status === "CREATE_FAILED";
}

/** A fresh idempotency token (CloudFormation allows 1-128 characters of `[a-zA-Z0-9-]`, starting with a letter). */
function token(): string {
  return `berth-${randomUUID()}`;
}

