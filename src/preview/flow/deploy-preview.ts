import { BerthError, InputError } from "../../errors.js";
import type { RepoConfig } from "../../config/schema.js";
import type { PreviewStack } from "../../stack/build-template.js";
import type { ConfigLineOf } from "../../stack/diagnostics.js";
import { formatWarning, type PreviewPlan, type PreviewTarget } from "../../plan/plan-preview.js";
import { inProcessPlanner, type Planner } from "../../plan/planner.js";
import type { Logger } from "../../util/logger.js";
import { createRedactor } from "../../util/redact.js";
import { type DeployAttempt, DeployReporter, type PhaseName } from "../report/index.js";
import type { ListenerPriorityAllocator } from "./listener-priority.js";
import type { EngineMetrics, EnsureStackInput, GatePort, ImagePort, LoadBalancerPort, LogPort, RepoGitHub, RolloutHookPort, StackPort, StackSummary, TaskPort } from "../ports.js";
import { DATA_TASKS_TAG, replacedDataServices } from "./data-tasks.js";
import type { ImageBuilds } from "./image-builds.js";
import { pinImage } from "./pin-image.js";
import { waitForImages } from "./wait-for-images.js";
import { describeFailure } from "./describe-failure.js";
import { assertHeadroom, ensureWithPriority, findDataTasks, recordDataTasks, releasePhaseChange, restoreServingTag, rethrowWithShortage } from "./stack-operations.js";
import { changesTemplate } from "./release-phase-change.js";
import type { ReleaseTarget } from "./release-step.js";
import { planReleaseSteps, runReleaseSteps } from "./release-steps.js";
import { previewCost } from "./preview-cost.js";
import { GATE_TIMEOUT_SECONDS, gateId, rollOutGated } from "./gated-rollout.js";
import { findUsableStack } from "./usable-stack.js";
import { type HookAction, liveTargetFor } from "./rollout-hooks.js";
import { isBlueGreenTemplate } from "../../stack/blue-green.js";
import { createGated } from "./gated-create.js";
import { DEPLOYING_TAG, findServingCommit, SERVING_TAG } from "./serving-tags.js";
import { buildIdleTags, withoutIdleTags } from "./idle-tags.js";
import { awakeIdle } from "./sleep-wake.js";
import { buildReleaseTarget, parsePairs, parsePreviewOutputs, type PreviewOutputs } from "./stack-outputs.js";
import { startStackReads } from "./stack-reads.js";
import { checkRollout } from "./check-rollout.js";
import { explainStoppedService } from "./stopped-service.js";
import { RestartSignal, SupersededSignal } from "./keyed-queue.js";
import { buildBaseParameters } from "../../stack/base-stack.js";
import { isOneShotStep } from "../../stack/release.js";

/** The collaborators of one deploy. */
export interface DeployDeps {
  stacks: StackPort;
  images: ImagePort;
  tasks: TaskPort;
  loadBalancers: LoadBalancerPort;
  logs: LogPort;
  priorities: ListenerPriorityAllocator;
  /** Signals the release gate of a rollout that starts while the release steps run. */
  gates: GatePort;
  /** Continues or rolls back the public service's blue/green deployments (the fast rollout). */
  hooks: RolloutHookPort;
  /** The operator's base stack: name and outputs (ClusterName, ListenerArn, ...). */
  base: () => Promise<{ name: string; outputs: Record<string, string> }>;
  log: Logger;
  now: () => Date;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  redact: (text: string) => string;
  options: {
    imageTimeoutMs: number;
    imagePollMs: number;
    logTailLines: number;
    /**
     * Start a push's rollout with its release steps, behind a release gate (gated-rollout.ts); on
     * unless false. A restarted berth closes a gate the process before it left open.
     */
    releaseGate?: boolean;
    /** How long a rollout's release gate waits for berth's signal; default GATE_TIMEOUT_SECONDS. */
    gateTimeoutSeconds?: number;
    /** How long before a fast rollout's watch looks for a service not created yet, or again after a transient failure; default 5 s. */
    hookRetryMs?: number;
  };
  /** Plans and renders templates; default on this thread (the app passes one that uses worker threads). */
  planner?: Planner;
  /** What CI said about the builds of a commit's images (`workflow_run`): the image wait wakes on a finished build. */
  builds?: ImageBuilds;
  /** Told how deploys and their phases end. */
  metrics?: EngineMetrics;
}

export interface DeployRequest {
  github: RepoGitHub;
  /** Which attempt at this head the deploy is (a resync's retry); absent: the first. */
  attempt?: DeployAttempt;
  target: PreviewTarget;
  config: RepoConfig;
  /** Lines of the config's keys, so that problems found while planning name their line. */
  configLineOf?: ConfigLineOf;
  /** The config's file: `.github/preview.yml` or `.github/preview.yaml`. */
  configFile?: string;
  /** The config file's text, for a planner on another thread to find its lines in. */
  configText?: string;
  /** `reset` wipes data and re-seeds; `redeploy` and `deploy` seed only on the first deploy. */
  kind: "deploy" | "redeploy" | "reset";
  /** Fork pull requests never receive the repository's secrets. */
  withoutSecrets?: boolean;
  /** Hidden lines kept at the end of the sticky comment (e.g. a fork approval). */
  commentSuffix?: string;
  /** Told when GitHub would not create the deploy's check run (see DeployReporter). */
  onNoCheckRun?: () => void;
  /**
   * The preview stack as the caller read it just before (`stack` undefined: none): the deploy starts
   * from that answer rather than reading the stack again, unless it waited for CI's images.
   */
  live?: { stack: StackSummary | undefined };
  /** The base stack, when the caller started reading it already; absent: `deps.base()`. */
  base?: ReturnType<DeployDeps["base"]>;
}

/** Tags that mark a stack as berth's; the adapters refuse stacks without them. */
export function ownershipTags(target: PreviewTarget): Record<string, string> {
  return {
    "berth:managed": "true",
    "berth:repository": `${target.owner}/${target.repo}`,
    "berth:pr": String(target.pr),
  };
}

/**
 * One deploy of one pull request: image -> stack (release phase) -> one-shot services -> migrate
 * -> seed -> rollout -> health, reported on the PR as it goes. The new version takes traffic only after every release
 * step exited 0; until then the services built from the repository keep the images now serving.
 * migrate and seed, when both are due, run in one task (seed's container after migrate's exited
 * 0); a release phase that would change only the release task's image (a code-only push) runs no
 * stack update: berth registers the release task's revision with the new image itself.
 * Stops at the next safe point when `signal` aborts: superseded, closed, or berth restarting
 * (`RestartSignal`: the check run says so, and the next process's resync resumes the deploy).
 */
export async function deployPreview(
  deps: DeployDeps,
  request: DeployRequest,
  signal: AbortSignal,
): Promise<"success" | "failure" | "superseded" | "restarting"> {
  const { target, github } = request;
  const log = deps.log.child({ repo: `${target.owner}/${target.repo}`, pr: target.pr, sha: target.sha });
  const reporter = new DeployReporter(github, {
    pr: target.pr,
    sha: target.sha,
    kind: request.kind,
    log,
    now: deps.now,
    ...(target.branch === undefined ? {} : { branch: target.branch }),
    ...(request.commentSuffix === undefined ? {} : { commentSuffix: request.commentSuffix }),
    ...(request.onNoCheckRun === undefined ? {} : { onNoCheckRun: request.onNoCheckRun }),
    ...(request.attempt === undefined ? {} : { attempt: request.attempt }),
    ...(deps.metrics ? { onPhase: deps.metrics.phaseFinished.bind(deps.metrics) } : {}),
  });
  let phase: PhaseName | undefined;
  /** A stack whose gated create did not complete: empty once rolled back, and deleted at the end. */
  let leftover: string | undefined;
  /** The data services' tasks a gated create's seed wrote into (its tags were set before they existed). */
  let createdDataTasks: Promise<string | undefined> | undefined;
  /** Clean-ups the release steps left (their run's task definition revision), and those running. */
  const deferred: Array<() => Promise<void>> = [];
  const cleaning: Array<Promise<void>> = [];
  /** Starts the clean-ups left so far: once the new version may start, off the deploy's path. */
  const cleanUp = () => {
    for (const cleanup of deferred.splice(0)) cleaning.push(cleanup());
  };
  const checkpoint = () => {
    if (!signal.aborted) return;
    throw signal.reason instanceof SupersededSignal || signal.reason instanceof RestartSignal ? signal.reason : new SupersededSignal(undefined);
  };

  await reporter.start();
  // Said at once, not at the safe point: a deploy may not reach one before berth's stop deadline,
  // and then it is paused where it stands (inside a stack update or a release step).
  const onAbort = () => {
    if (!(signal.reason instanceof RestartSignal)) return;
    void reporter.stopping();
    signal.reason.onDeadline(() => reporter.restarting());
  };
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const config = request.withoutSecrets ? { ...request.config, secrets: {}, compose_secrets: {} } : request.config;
    const base = await (request.base ?? deps.base());
    // Passed on every create and update, so an update of the base stack reaches the preview.
    const baseParameters = buildBaseParameters(base);
    const planner = deps.planner ?? inProcessPlanner;
    const finalPlan = await planner.plan({
      reader: github.reader(target.sha),
      config,
      target,
      baseStack: base.name,
      baseOutputs: base.outputs,
      ...(request.configLineOf ? { configLineOf: request.configLineOf } : {}),
      ...(request.configFile ? { configFile: request.configFile } : {}),
      ...(request.configText === undefined ? {} : { configText: request.configText }),
    });
    const warnings = finalPlan.stack.warnings.map(formatWarning);
    if (request.withoutSecrets && Object.keys({ ...request.config.secrets, ...request.config.compose_secrets }).length > 0) {
      warnings.push("secrets: not given to a pull request from a fork [fork-without-secrets]");
    }
    await reporter.setWarnings(warnings);
    const steps = finalPlan.stack.release;
    const oneShots = steps.filter(isOneShotStep);
    if (oneShots.length > 0) await reporter.setOneShots(oneShots.map((s) => s.name));

    // The stack phase's reads run beside the image check; a wait for CI's images makes them stale.
    const readStack = (live: DeployRequest["live"]) => startStackReads(deps, { name: finalPlan.stack.stackName, baseOutputs: base.outputs, ...(live ? { live } : {}) });
    const reads = readStack(request.live);
    reads.catch(() => {});

    phase = "image";
    const { digests, waited } = await waitForImages(deps, reporter, finalPlan, target, signal, checkpoint);
    checkpoint();
    // Deploy what the tags point to now, by digest: a tag pushed again then changes the task definition.
    const pinned: PreviewPlan = {
      ...finalPlan,
      images: Object.fromEntries(Object.entries(finalPlan.images).map(([service, ref]) => [service, pinImage(ref, digests[ref]!)])),
    };
    const finalStack = await planner.render(pinned, { target, baseStack: base.name });

    phase = "stack";
    await reporter.phase("stack");
    const read = await (waited ? readStack(undefined) : reads);
    const existing = await findUsableStack(deps, { stack: read.stack, reporter, signal });
    // What serves now, if anything: the comment names it while this deploy runs, and a failed
    // rollout names it on the stack again.
    const servingSha = existing ? findServingCommit(existing) : undefined;
    if (existing && servingSha !== undefined) await reporter.setServing({ sha: servingSha, ...(existing.outputs.Url ? { url: existing.outputs.Url } : {}) });
    const servedBefore = servingSha ?? "none";
    // A create still running (its gate not found open) has seeded nothing yet, whatever its tags say.
    const seeded = existing?.tags["berth:seeded"] === "true" && existing.status !== "CREATE_IN_PROGRESS";
    // A reset wipes the data before it seeds; until a seed succeeds, every deploy seeds again.
    let reseed = request.kind === "reset" || !seeded || existing?.tags[NEEDS_SEED] === "true";
    const servingImages = existing && seeded ? parsePairs(existing.outputs.ServiceImages) : undefined;
    const releaseStack = await planner.render(pinned, { target, baseStack: base.name, hold: servingImages ? { servingImages } : {} });
    const priority = existing?.parameters.ListenerRulePriority ?? undefined;
    // A new preview adds a listener rule and a target group; say so when the load balancer is full,
    // before CloudFormation tries and rolls the whole stack back.
    if (!existing) await (existing === read.stack && read.headroom ? read.headroom : assertHeadroom(deps, need(base.outputs, "ListenerArn", base.name), base.outputs.RolloutRoleArn ? 2 : 1));
    /** A new preview's listener rule priority, allocated beside the reads when the stack did not exist. */
    const newPriority = async () => (!existing && !read.stack && read.priority ? await read.priority : undefined);
    const cluster = need(base.outputs, "ClusterName", base.name);
    const { [NEEDS_SEED]: _pending, [DATA_TASKS_TAG]: recordedDataTasks, ...baseTags } = { ...pickBerthTags(existing), ...ownershipTags(target) };
    const releaseTags = {
      ...baseTags,
      [SERVING_TAG]: servedBefore,
      [DEPLOYING_TAG]: target.sha,
      ...(recordedDataTasks === undefined ? {} : { [DATA_TASKS_TAG]: recordedDataTasks }),
      ...(reseed && seeded ? { [NEEDS_SEED]: "true" } : {}),
    };
    // A push that changed only code changes only the release task's image before the rollout:
    // berth registers that revision itself rather than waiting on a stack update for it.
    const releaseImage = pinned.images[finalStack.releaseService];
    const { change, current: runningTemplate } = await releasePhaseChange(deps, existing, {
      template: releaseStack.template,
      tags: releaseTags,
      parameters: baseParameters,
      image: releaseImage,
    }, existing === read.stack ? read.template : undefined);
    // A fast rollout's listener rule weights: as the stack records them, unless this deploy changes the rule anyway.
    const liveTarget = await liveTargetFor(deps, { stack: existing, running: runningTemplate, wanted: finalStack.template });
    // A first deploy under the release gate is one create: the data services and what the release
    // task needs first, the services built from the repository behind the gate, the release task
    // launched while the create runs (see createGated). One-shot services (whose dependents may be
    // built from the repository) keep the release phase.
    const gatedCreate = deps.options.releaseGate !== false && !existing && oneShots.length === 0 && steps.some((s) => !isOneShotStep(s));
    let held: StackSummary | undefined;
    let rulePriority: number | undefined;
    if (gatedCreate) {
      log.info({ gate: true }, "first deploy: one create, its services built from the repository behind the release gate");
      rulePriority = await newPriority();
    } else if (existing && priority !== undefined && change !== "other") {
      held = existing;
      rulePriority = Number(priority);
      log.info({ change }, "release phase needs no stack update");
    } else {
      ({ stack: held, priority: rulePriority } = await ensureWithPriority(deps, {
        name: releaseStack.stackName,
        template: releaseStack.template,
        tags: releaseTags,
        listenerArn: need(base.outputs, "ListenerArn", base.name),
        parameters: baseParameters,
        priority: priority === undefined ? await newPriority() : Number(priority),
        liveTarget,
        onProgress: (line) => log.debug({ line }, "stack progress"),
        ...(existing === read.stack ? { current: { stack: read.stack } } : {}),
        // The release phase starts the data services: ECS may find no capacity for them as for a rollout.
      }).catch((error: unknown) =>
        rethrowWithShortage(deps, error, { cluster, services: Object.values(parsePairs(existing?.outputs.ServiceArns)), stopped: stoppedInput(releaseStack, existing?.outputs.ServiceArns, config.healthcheck) }),
      ));
    }
    // The release task runs this commit's image: registered by berth when the stack still names the previous one.
    const swapImage = change === "release-image" ? releaseImage : undefined;
    let outputs = held ? parsePreviewOutputs(held.name, held.outputs) : undefined;
    /** What the release steps run with: the stack's outputs, or (a gated create) its resources once created. */
    let releaseTarget: ReleaseTarget | undefined = outputs;
    const restart = outputs !== undefined && request.kind === "reset" && seeded && Object.keys(outputs.statefulServices).length > 0;
    if (outputs && restart) {
      await reporter.phase("stack", "running", `restarting ${Object.keys(outputs.statefulServices).join(", ")} with empty storage`);
      await deps.tasks.restartServices({ cluster, services: Object.values(outputs.statefulServices) });
    }
    // The data lives in the data services' tasks: tasks other than those the last seed wrote into
    // (a changed definition, a retired or crashed task) mean empty storage, so seed again. A gated
    // create learns them once the data services are up, and records them after the rollout.
    const dataTasks = outputs
      ? await (held === read.stack && !restart && read.dataTasks ? read.dataTasks : findDataTasks(deps, cluster, outputs.statefulServices))
      : undefined;
    let dataGone: string | undefined;
    if (!reseed && recordedDataTasks !== undefined && dataTasks !== undefined && recordedDataTasks !== dataTasks) {
      const replaced = replacedDataServices(recordedDataTasks, dataTasks);
      dataGone = replaced === undefined || replaced.length === 0
        ? "a data service's task was replaced since the last seed (its storage is new)"
        : `${replaced.join(", ")} ${replaced.length === 1 ? "was" : "were"} replaced since the last seed (new task, empty storage)`;
      reseed = true;
      log.info({ recorded: recordedDataTasks, now: dataTasks }, "data service replaced; seeding again");
    }
    if (!gatedCreate) await reporter.done("stack", "success", STACK_NOTES[change]);
    checkpoint();

    // One-shot compose services run on every deploy, as `docker compose up` runs them every time,
    // in dependency order, before migrate: the data services they need are up since the release
    // phase, and the new version (their dependents) rolls out only after all of them exited 0.
    const stepsPlan = planReleaseSteps(steps, reseed);
    const due = stepsPlan.due;
    const runSteps = () =>
      runReleaseSteps(deps, {
        plan: stepsPlan,
        reporter,
        cluster,
        target: () => releaseTarget!,
        ...(swapImage === undefined ? {} : { image: swapImage }),
        tags: ownershipTags(target),
        ...(dataGone === undefined ? {} : { dataGone }),
        onPhase: (name) => (phase = name),
        checkpoint,
        deferCleanup: (cleanup) => deferred.push(cleanup),
        abort: signal,
        log,
      });

    // A push whose release phase needed no stack update starts the rollout with the steps, the new
    // version held behind a wait condition that berth opens once every step exited 0. A rollout that
    // would change nothing but its gate (a redeploy of the commit serving) is no rollout to hold: it
    // keeps the template the stack runs, the last gate included, and changes at most its tags.
    const unchanged = runningTemplate !== undefined && !changesTemplate(runningTemplate, finalStack.template);
    const gate = gatedCreate || (deps.options.releaseGate !== false && existing !== undefined && change !== "other" && (oneShots.length > 0 || due.length > 0) && !unchanged)
      ? { id: gateId(target.sha, deps.now()), timeoutSeconds: deps.options.gateTimeoutSeconds ?? GATE_TIMEOUT_SECONDS }
      : undefined;
    // A push's fast rollout starts the new version at once, in the target group that takes no
    // traffic; it takes the traffic only once the steps passed. A create keeps it behind the gate.
    const rolloutGate = gate && !gatedCreate ? { ...gate, publicStartsAtOnce: true } : gate;
    const rolloutTemplate = rolloutGate ? (await planner.render(pinned, { target, baseStack: base.name, gate: rolloutGate })).template : unchanged ? runningTemplate : finalStack.template;
    // The rollout names the new commit in `berth:sha` itself: CloudFormation completes the update
    // only once ECS counts the new tasks healthy behind the load balancer, and restores the old tags
    // when it rolls the update back. Readers check the stack's status too (serving-tags.ts).
    const rolloutInput = {
      name: finalStack.stackName,
      template: rolloutTemplate,
      tags: {
        // The idle windows as this commit's config says, and the deploy as the latest activity.
        ...withoutIdleTags(baseTags),
        ...buildIdleTags(config, deps.now()),
        [SERVING_TAG]: target.sha,
        [DEPLOYING_TAG]: target.sha,
        "berth:seeded": "true",
        ...(dataTasks === undefined ? {} : { [DATA_TASKS_TAG]: dataTasks }),
      },
      listenerArn: need(base.outputs, "ListenerArn", base.name),
      parameters: baseParameters,
      priority: rulePriority,
      liveTarget,
      onProgress: (line: string) => log.debug({ line }, "stack progress"),
    };
    // berth's own checks start as soon as CloudFormation shows the rollout complete, beside the
    // reading of its events, and stop when the rollout fails after all.
    const stopChecks = new AbortController();
    const check = (live: StackSummary) =>
      checkRollout(deps, { cluster, stack: live, reporter, signal: AbortSignal.any([signal, stopChecks.signal]), onHealth: () => (phase = "health") });
    let checked: Promise<void> | undefined;
    const onComplete = (live: StackSummary) => {
      checked = check(live);
      checked.catch(() => {});
    };
    const rolloutCurrent = { stack: held ?? read.stack };
    const startRollout = (watch?: EnsureStackInput["watch"], awaitResources?: EnsureStackInput["awaitResources"], hooks: { first?: () => Promise<HookAction>; after?: Promise<unknown> } = {}) =>
      ensureWithPriority(deps, {
        ...rolloutInput,
        current: rolloutCurrent,
        onComplete,
        ...(watch ? { watch } : {}),
        ...(awaitResources ? { awaitResources } : {}),
        ...(hooks.first ? { hookFirst: hooks.first } : {}),
        ...(hooks.after ? { hooksAfter: hooks.after } : {}),
      }).catch((error: unknown) =>
        rethrowWithShortage(deps, error, { cluster, services: Object.values(outputs?.services ?? {}), stopped: stoppedInput(finalStack, held?.outputs.ServiceArns, config.healthcheck) }),
      );
    let rollout: Promise<{ stack: StackSummary; priority: number }>;
    if (gate && gatedCreate) {
      // Whatever stopped it, a failed create leaves an empty stack (ROLLBACK_COMPLETE) that can only
      // be deleted: removed once the outcome is reported (see `finally`).
      leftover = finalStack.stackName;
      rollout = createGated(deps, {
        gate,
        uniqueId: target.sha,
        resources: finalStack.releaseResources,
        // The app waits behind the gate: its deployment cannot pause at the hook before the gate opened.
        start: (watch, awaitResources) => startRollout(watch, awaitResources, watch.opened ? { after: watch.opened } : {}),
        runSteps: async (created) => {
          releaseTarget = buildReleaseTarget({ resources: finalStack.releaseResources, physicalIds: created, baseOutputs: base.outputs, label: finalStack.label });
          const dataServices = Object.fromEntries(Object.entries(finalStack.releaseResources.dataServices).map(([name, id]) => [name, created[id]!]));
          // The tasks the seed writes into, read alongside the steps; recorded once the create completed.
          createdDataTasks = findDataTasks(deps, cluster, dataServices);
          createdDataTasks.catch(() => {});
          await reporter.done("stack", "success", "created with the release steps: the services built from the repository start once they passed");
          checkpoint();
          await runSteps();
        },
        onOpened: async () => {
          cleanUp();
          phase = "rollout";
          await reporter.phase("rollout", "running", "the new version starts now that the release steps passed");
        },
        abort: signal,
      });
    } else if (gate) {
      rollout = rollOutGated(deps, {
        gate,
        uniqueId: target.sha,
        start: (watch, hookFirst) => startRollout(watch, undefined, { first: hookFirst }),
        runSteps,
        onOpened: async () => {
          cleanUp();
          phase = "rollout";
          await reporter.phase(
            "rollout",
            "running",
            isBlueGreenTemplate(rolloutTemplate)
              ? "started with the release steps, without traffic; the new version takes the traffic now that they passed"
              : "started with the release steps; the new version starts now that they passed",
          );
        },
      });
    } else {
      await runSteps();
      cleanUp();
      phase = "rollout";
      await reporter.phase("rollout");
      rollout = startRollout();
    }
    const { stack: live, priority: livePriority } = await rollout.catch((error: unknown) => {
      stopChecks.abort();
      throw error;
    });
    leftover = undefined;
    outputs = parsePreviewOutputs(live.name, live.outputs);
    try {
      // An update that changed nothing told no completion: its checks start now.
      await (checked ?? check(live));
    } catch (error) {
      // berth's own checks found what CloudFormation did not (ECS rolled back after the update, or
      // the target turned unhealthy): the commit that served before is named again.
      if (!signal.aborted && servedBefore !== target.sha) {
        await restoreServingTag(deps, { ...rolloutInput, priority: livePriority }, servedBefore).catch((restoreError: unknown) =>
          log.warn({ err: restoreError }, "could not name the commit that served before on the stack again"),
        );
      }
      // The check names the service whose new tasks stopped: why, with its log (before the stop ages out).
      throw signal.aborted ? error : await explainStoppedService(deps, error, { cluster, ...stoppedInput(finalStack, live.outputs.ServiceArns, config.healthcheck) });
    }

    // The deployment's "log" link opens the public service's log in CloudWatch (every task's stream).
    const publicService = Object.keys(outputs.services).find((name) => outputs.services[name] === outputs.publicServiceArn);
    const logUrl = publicService === undefined ? undefined : deps.logs.consoleUrl({ group: outputs.logGroup, prefix: `${outputs.logStreamPrefix}/${publicService}/` });
    await reporter.succeed(
      outputs.url,
      logUrl,
      previewCost({ template: finalStack.template, baseOutputs: base.outputs, createdAt: live.createdAt ?? existing?.createdAt, now: deps.now() }),
      awakeIdle(rolloutInput.tags, deps.now()),
    );
    log.info({ url: outputs.url }, "preview ready");
    if (createdDataTasks) await recordDataTasks(deps, { ...rolloutInput, priority: livePriority }, createdDataTasks);
    return "success";
  } catch (error) {
    if (error instanceof RestartSignal || (signal.reason instanceof RestartSignal && isAbort(error, signal))) {
      await reporter.restarting();
      log.info({ phase }, "deploy stopped at a safe point: berth is restarting");
      return "restarting";
    }
    if (error instanceof SupersededSignal || (signal.aborted && isAbort(error, signal))) {
      const by = (error instanceof SupersededSignal ? error : signal.reason instanceof SupersededSignal ? signal.reason : undefined)?.by as
        | { sha?: string; action?: string }
        | undefined;
      if (by?.action === "close" || by?.action === "destroy") await reporter.cancel("Stopped: the preview is being removed", by.action);
      else await reporter.supersede(by?.sha);
      log.info({ by: by?.sha }, "deploy superseded");
      return "superseded";
    }
    // The config's secret names are secret too: `SECRET_KEY_BASE=...` in a log tail is masked.
    const known = createRedactor({ secretNames: Object.keys(request.config.secrets) });
    const { message, ...extra } = describeFailure(error, (text) => deps.redact(known(text)));
    if (!(error instanceof BerthError)) log.error({ err: error }, "deploy failed unexpectedly");
    else log.warn({ message }, "deploy failed");
    await reporter.fail(error instanceof InputError ? undefined : phase, message, extra);
    return "failure";
  } finally {
    signal.removeEventListener("abort", onAbort);
    cleanUp();
    await Promise.all(cleaning);
    // Not while berth stops: the next process's deploy finds the empty stack and deletes it then.
    if (leftover !== undefined && !(signal.reason instanceof RestartSignal)) {
      const name = leftover;
      await deps.stacks.delete(name).catch((error: unknown) => log.warn({ err: error, stack: name }, "could not delete the stack of a failed create; the next deploy does"));
    }
  }
}

/**
 * What explainStoppedService needs of a rollout: the stack's ECS services (with their ARNs, from
 * the stack's `ServiceArns` output once it has one), its public service and health check settings.
 */
function stoppedInput(
  stack: PreviewStack,
  serviceArns: string | undefined,
  healthcheck: RepoConfig["healthcheck"],
): Omit<Parameters<typeof explainStoppedService>[2], "cluster"> {
  const arns = parsePairs(serviceArns);
  return {
    services: Object.fromEntries(Object.entries(stack.ecsServices).map(([name, s]) => [name, { ...s, ...(arns[name] === undefined ? {} : { arn: arns[name] }) }])),
    publicService: stack.publicService,
    healthcheck,
  };
}

/** What the check run's Stack row says when the release phase needed no stack update. */
const STACK_NOTES: Record<"none" | "release-image" | "other", string | undefined> = {
  none: "no stack update: nothing changes before the rollout",
  "release-image": "no stack update: the release task's new image is registered directly",
  other: undefined,
};

/** Tag of a preview whose data was wiped (or never seeded since): the next deploy seeds. */
const NEEDS_SEED = "berth:needs-seed";

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return error === signal.reason || (error instanceof Error && error.name === "AbortError");
}

function pickBerthTags(stack: StackSummary | undefined): Record<string, string> {
  if (!stack) return {};
  return Object.fromEntries(Object.entries(stack.tags).filter(([k]) => k.startsWith("berth:")));
}

function need(outputs: Record<string, string>, key: string, stack: string): string {
  const value = outputs[key];
  if (!value) {
    throw new BerthError(`base stack ${stack} has no output ${key}`, {
      userMessage: `The base stack ${stack} has no ${key} output; deploy deploy/base.yml again.`,
    });
  }
  return value;
}

export type { PreviewOutputs };
