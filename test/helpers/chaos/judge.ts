/**
 * What a person would check after a randomized life: every open pull request shows a successful
 * preview of its head (or a clear failure berth stopped retrying), every closed one has no stack,
 * one sticky comment each, nothing of berth's left queued or in progress, no one-off task of
 * berth's still running once nothing deploys, no pile of release revisions, no reply twice, no
 * unhandled rejection, and nothing that is not berth's touched.
 */
import { findServingCommit } from "../../../src/preview/flow/serving-tags.js";
import { releaseFamily } from "../../../src/stack/build-template.js";
import { previewLabel } from "../../../src/stack/naming.js";
import type { Harness } from "../app-harness.js";
import { BOT_LOGIN } from "../../fakes/github-fake.js";
import type { PullModel } from "./life.js";

/** The judge's findings: empty `failures` means the life converged. */
export interface Verdict {
  converged: boolean;
  /** One line per broken promise, starting with its class, e.g. `open check run: ...`. */
  failures: string[];
  /** How each open pull request ended: `success`, or `gave up: <reason>` for a clear failure. */
  endings: string[];
  /** Heads deployed successfully (berth check runs that concluded success). */
  deploys: number;
}

/** Resources that are not berth's, seeded before the life; the judge checks they are unchanged. */
export interface Foreign {
  snapshot(): string;
  before: string;
}

/** Seeds stacks that look like berth's but are not, and another app's check run. */
export function seedForeign(h: Harness): Foreign {
  const prTags = { "berth:repository": "acme/shop", "berth:pr": "7", "berth:sha": "f".repeat(40) };
  h.aws.state.cloudformation.seedStack({ name: "shop-pr-7-copy", outputs: { Url: "https://copy.example.com" }, tags: { "berth:managed": "true", ...prTags } });
  h.aws.state.cloudformation.seedStack({ name: "berth-legacy-pr-8", outputs: {}, tags: prTags });
  h.github.state.checkRuns.push({
    id: 1,
    head_sha: "f".repeat(40),
    name: "preview",
    status: "in_progress",
    output: { title: "ci", summary: "another app's run" },
    updates: 0,
    app: { id: 2, slug: "other-ci" },
  });
  const snapshot = () =>
    JSON.stringify({
      stacks: ["shop-pr-7-copy", "berth-legacy-pr-8"].map((name) => {
        const stack = h.aws.state.cloudformation.stacks.get(name);
        return stack && { status: stack.status, tags: stack.tags, updated: stack.lastUpdatedTime };
      }),
      run: h.github.state.checkRuns.find((r) => r.app.id === 2),
    });
  return { snapshot, before: snapshot() };
}

const OPEN_DEPLOYMENT = new Set(["queued", "in_progress", "pending"]);
/** The check run's summary when berth will deploy the head again by itself. */
const RETRY_PROMISED = /berth deploys this commit again/;

/**
 * Whether every reply berth wrote answers one of the pull request's commands, and none twice. A
 * command sent while the pull request was open may be answered too: handled after the pull
 * request closed ("This pull request is closed, so it has no preview to reset.") or dropped by a
 * drain ("berth is restarting and did not get to ..."); the person who asked learns why nothing
 * happened, which is right. What must never happen is a second answer to one command.
 */
function judgeReplies(h: Harness, pull: PullModel): string[] {
  const problems: string[] = [];
  const answered = new Map<number, number>();
  const replies = h.github.state.comments.filter((c) => !c.deleted && c.issue === pull.number && c.user.login === BOT_LOGIN && !c.body.includes("<!-- berth:preview -->"));
  for (const reply of replies) {
    const to = Number(/<!-- berth:reply-to:(\d+) -->/.exec(reply.body)?.[1]);
    if (!pull.commands.includes(to)) problems.push(`reply to no command of it: ${reply.body.slice(0, 80)}`);
    else answered.set(to, (answered.get(to) ?? 0) + 1);
  }
  for (const [id, count] of answered) if (count > 1) problems.push(`command ${id} answered ${count} times`);
  return problems;
}

/** Judges the end state of a life. */
export function judgeLife(h: Harness, input: { pulls: PullModel[]; foreign: Foreign; rejections: unknown[] }): Verdict {
  const failures: string[] = [];
  const endings: string[] = [];
  const stacks = [...h.aws.state.cloudformation.stacks.values()].filter((s) => s.name.startsWith("berth-shop-pr-") && s.tags["berth:managed"] === "true");
  const berthRuns = h.github.state.checkRuns.filter((r) => r.app.id === 1);

  for (const pull of input.pulls) {
    const pr = `#${pull.number}`;
    const stack = stacks.find((s) => s.tags["berth:pr"] === String(pull.number));
    const stickies = h.github.stickyComments(pull.number);
    if (stickies.length > 1) failures.push(`sticky comments: ${pr} has ${stickies.length}`);
    for (const problem of judgeReplies(h, pull)) failures.push(`replies: ${pr} ${problem}`);
    if (pull.state === "closed") {
      if (stack) failures.push(`stack of closed PR: ${pr} still has ${stack.name} (${stack.status})`);
      continue;
    }
    if (stickies.length !== 1) failures.push(`sticky comments: open ${pr} has ${stickies.length}`);
    const runs = berthRuns.filter((r) => r.head_sha === pull.head);
    const latest = runs.at(-1);
    if (!latest) {
      failures.push(`head never deployed: ${pr} at ${pull.head.slice(0, 7)} has no check run`);
      continue;
    }
    if (latest.conclusion === "success") {
      // The tags of a stack whose update runs or failed to roll back may name what never served.
      const serving = stack && findServingCommit(stack);
      const deployment = h.github.deploymentsOf(pull.head).at(-1)?.statuses.at(-1);
      if (serving !== pull.head) failures.push(`stack not on head: ${pr} check run succeeded but the stack serves ${serving?.slice(0, 7) ?? `nothing (${stack?.status ?? "no stack"})`}`);
      else if (deployment?.state !== "success") failures.push(`deployment not successful: ${pr} head's deployment is ${deployment?.state ?? "without status"}`);
      else endings.push("success");
    } else if (latest.conclusion === "failure" && !RETRY_PROMISED.test(latest.output.summary)) {
      const reason = latest.output.summary.split("\n").find((line) => /fail|could not|error/i.test(line)) ?? latest.output.title;
      if (/attempt 3 of 3/.test(latest.output.summary)) endings.push(`gave up: ${reason}`);
      else failures.push(`permanent failure on a passing fault: ${pr}: ${latest.output.title}: ${reason.slice(0, 200)}`);
    } else failures.push(`head not converged: ${pr} newest run is ${latest.status} ${latest.conclusion ?? ""}: ${latest.output.title}`);
  }

  for (const leftover of findLeftovers(h, input.pulls)) failures.push(`left in AWS: ${leftover}`);
  for (const task of findRunningTasks(h, input.pulls)) failures.push(`task left running: ${task}`);
  for (const pile of findRevisionPiles(h, input.pulls)) failures.push(`release revisions pile up: ${pile}`);
  for (const run of berthRuns.filter((r) => r.status !== "completed")) failures.push(`open check run: ${run.id} on ${run.head_sha.slice(0, 7)} is ${run.status}: ${run.output.title}`);
  for (const deployment of h.github.state.deployments) {
    const state = deployment.statuses.at(-1)?.state ?? "pending";
    if (OPEN_DEPLOYMENT.has(state)) failures.push(`open deployment: ${deployment.id} of ${deployment.sha.slice(0, 7)} is ${state}`);
  }
  for (const reason of input.rejections) failures.push(`unhandled rejection: ${String(reason)}`);
  if (input.foreign.snapshot() !== input.foreign.before) failures.push("foreign resource touched");
  for (const problem of h.github.problems()) failures.push(`bad GitHub request: ${problem}`);
  const deploys = berthRuns.filter((r) => r.conclusion === "success").length;
  return { converged: failures.length === 0, failures, endings, deploys };
}

/**
 * What a removed preview may leave besides its stack: task definitions still ACTIVE in a closed
 * pull request's families (berth registers the release family's revisions itself), and listener
 * rules on the shared listener that no stack owns.
 */
function findLeftovers(h: Harness, pulls: PullModel[]): string[] {
  const found: string[] = [];
  for (const pull of pulls.filter((p) => p.state === "closed")) {
    const family = `berth-${previewLabel({ owner: "acme", repo: "shop", pr: pull.number })}`;
    for (const td of h.aws.state.ecs.taskDefinitions.values()) {
      if (td.status === "ACTIVE" && (td.family === family || td.family?.startsWith(`${family}-`))) found.push(`#${pull.number} closed, task definition ${td.family}:${td.revision} still ACTIVE`);
    }
  }
  const owned = new Set<string>();
  for (const stack of h.aws.state.cloudformation.stacks.values()) {
    for (const resource of stack.current?.resources.values() ?? []) if (resource.type === "AWS::ElasticLoadBalancingV2::ListenerRule") owned.add(resource.physicalId);
  }
  for (const rule of h.aws.state.elbv2.rules.values()) if (!owned.has(rule.arn)) found.push(`listener rule ${rule.arn} (priority ${rule.priority}) owned by no stack`);
  return found;
}

/** The task definition family prefix of a pull request's preview: `berth-<label>`. */
function familyOf(pr: number): string {
  return `berth-${previewLabel({ owner: "acme", repo: "shop", pr })}`;
}

/**
 * One-off tasks berth started (`startedBy: berth/...`: release steps, one-shot services) that
 * still run once the life is quiet: nothing deploys then, so none may run, on an open pull request
 * or a closed one. A task berth stopped watching (a restart, a superseded or removed deploy) is
 * berth's to stop: it cannot know that a seed or a one-shot job ever ends.
 */
function findRunningTasks(h: Harness, pulls: PullModel[]): string[] {
  const found: string[] = [];
  for (const task of h.aws.state.ecs.tasks.values()) {
    if (!task.startedBy?.startsWith("berth/") || task.lastStatus === "STOPPED") continue;
    const family = task.taskDefinitionArn?.split("/").at(-1)?.replace(/:\d+$/, "") ?? "";
    const pull = pulls.find((p) => family === familyOf(p.number) || family.startsWith(`${familyOf(p.number)}-`));
    const whose = pull ? `#${pull.number} (${pull.state})` : "no pull request";
    found.push(`${task.startedBy} of ${whose}, ${family}, ${task.lastStatus} since berth started it`);
  }
  return found;
}

/**
 * ACTIVE revisions of an open pull request's release family beyond the stack's own and one that
 * a run's cleanup may have left: each deploy registers a revision for its release run and
 * deregisters it once the run stopped, so more mean that they pile up with every deploy.
 */
const RELEASE_REVISIONS_BOUND = 2;
function findRevisionPiles(h: Harness, pulls: PullModel[]): string[] {
  const found: string[] = [];
  for (const pull of pulls.filter((p) => p.state === "open")) {
    const family = releaseFamily(previewLabel({ owner: "acme", repo: "shop", pr: pull.number }));
    const active = [...h.aws.state.ecs.taskDefinitions.values()].filter((td) => td.family === family && td.status === "ACTIVE").map((td) => td.revision);
    if (active.length > RELEASE_REVISIONS_BOUND) found.push(`#${pull.number} has ${active.length} ACTIVE revisions of ${family} (${active.join(", ")}); at most ${RELEASE_REVISIONS_BOUND}`);
  }
  return found;
}
