/**
 * The ports the deploy engine talks through. Adapters in src/aws and src/github implement them;
 * tests pass fakes. Nothing here knows an SDK or Probot.
 */
import type { RepoReader } from "../util/repo-reader.js";

/** Cancels long waits when a deploy is superseded or the process stops. */
import type { GateSignal } from "../stack/release-gate.js";

export type Signal = AbortSignal | undefined;

// ---------------------------------------------------------------------------------------------
// AWS

/**
 * Stack states in which no operation runs and the last one ended as a whole, done or rolled back:
 * the template is what runs, and a change set starts from the stack as it is.
 */
export const SETTLED_STATUSES: ReadonlySet<string> = new Set(["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"]);

/** A CloudFormation stack as berth sees it. */
export interface StackSummary {
  name: string;
  /** CloudFormation status, e.g. `CREATE_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`. */
  status: string;
  outputs: Record<string, string>;
  tags: Record<string, string>;
  parameters: Record<string, string>;
  /** When CloudFormation created the stack. */
  createdAt?: Date;
}

export interface EnsureStackInput {
  name: string;
  /** The CloudFormation template as a JSON-serializable object. */
  template: object;
  tags: Record<string, string>;
  parameters?: Record<string, string>;
  signal?: Signal;
  /** Called with a short human-readable progress line (e.g. `UPDATE_IN_PROGRESS WebService`). */
  onProgress?: (line: string) => void;
  /**
   * A resource the operation creates whose physical id the caller needs while the operation still
   * runs (a wait condition handle's URL): told once its CREATE_COMPLETE event shows, before the
   * operation ends; never told when the operation ends without creating it.
   */
  watch?: {
    logicalId: string;
    onCreated: (physicalId: string) => void;
    /**
     * Settles once berth signalled the release gate SUCCESS: the services it held start then, and
     * the operation's wait aims at their rollout from that moment instead of at an estimate of the
     * release steps made before they ran.
     */
    opened?: Promise<void>;
  };
  /**
   * Resources a create makes that the caller needs while the create still runs (what a first
   * deploy's release task needs, the rest held behind a release gate): told once, with their
   * physical ids by logical id, when every one shows CREATE_COMPLETE (an ECS service only once it is
   * stable); never told when the operation ends first.
   */
  awaitResources?: { logicalIds: string[]; onCreated: (physicalIds: Record<string, string>) => void };
  /**
   * The stack as the caller read it moments before in the same deploy (`stack` undefined: it did
   * not exist). When it did not exist, or was settled (CREATE_COMPLETE, UPDATE_COMPLETE,
   * UPDATE_ROLLBACK_COMPLETE), the operation starts from that answer instead of reading the stack
   * again; in any other state the stack is read again.
   */
  current?: { stack: StackSummary | undefined };
  /**
   * Settles when berth continued the public service's blue/green deployment at its pause hook (the
   * fast rollout): the operation ends about one traffic shift later, and its wait aims at that.
   */
  continued?: Promise<void>;
  /**
   * Told as soon as the operation shows complete, before its events are read, so that the caller's
   * own checks of the result run beside that read. Not told when the operation fails, nor for an
   * update that changes nothing.
   */
  onComplete?: (stack: StackSummary) => void;
}

/**
 * CloudFormation wait condition handles: a signal is an HTTPS PUT of a JSON document to the
 * handle's presigned URL, outside the AWS APIs. Throws a BerthError when the URL refuses it.
 */
export interface GatePort {
  signal(url: string, signal: GateSignal): Promise<void>;
}

/** CloudFormation. Implementations refuse stacks without berth's ownership tags and name prefix. */
export interface StackPort {
  /** The stack, or undefined when it does not exist (or is DELETE_COMPLETE). */
  find(name: string): Promise<StackSummary | undefined>;
  /**
   * Every stack berth owns (name prefix and ownership tag), DELETE_COMPLETE ones left out; the
   * actual state a resync compares with the pull requests on GitHub.
   */
  list(): Promise<StackSummary[]>;
  /**
   * Creates or updates through a change set and waits for the end state. "No changes" is success.
   * Throws StackError (userMessage: the first failing resource and its reason) on any failed or
   * rolled-back state, including UPDATE_ROLLBACK_COMPLETE.
   */
  ensure(input: EnsureStackInput): Promise<StackSummary>;
  /**
   * The template the stack runs now (the last successful create or update), as berth sent it; undefined
   * when the stack does not exist. Lets a deploy tell whether an update would change anything it must.
   */
  findTemplate(name: string): Promise<Record<string, unknown> | undefined>;
  /**
   * The URL of the release gate (a wait condition handle) the stack's running update waits on,
   * or undefined when no update runs or it waits on none: a gate a stopped berth left open.
   */
  findOpenGate(name: string): Promise<string | undefined>;
  /**
   * The physical id of one of the stack's resources (an ECS service's ARN once CloudFormation started
   * creating it), or undefined while it has none.
   */
  findResource(name: string, logicalId: string): Promise<string | undefined>;
  /** Deletes and waits until gone; DELETE_FAILED is retried, then thrown as StackError. Missing stack: no-op. */
  delete(name: string, signal?: Signal): Promise<void>;
  /** Outputs of a stack berth does not own (the operator's base stack). Throws when missing. */
  getOutputs(name: string): Promise<Record<string, string>>;
}

/** ECR. */
export interface ImagePort {
  /**
   * The digest (`sha256:<64 hex>`) the reference (`<registry>/<repo>:<tag>` or `@sha256:`) points
   * to now, or undefined when it or its repository does not exist yet (CI may create it on first push). A tag can be pushed again; only the digest pins what a task runs.
   */
  findDigest(imageRef: string): Promise<string | undefined>;
}

export interface RunTaskInput {
  cluster: string;
  taskDefinition: string;
  /** The container whose command is overridden and whose exit code decides the outcome. */
  container: string;
  /** Overrides the container's command; absent: the task definition's own (a one-shot service). */
  command?: string[];
  /**
   * Containers of the same task that run before `container`, in this order, each once the one
   * before it exited 0 (the task definition's `dependsOn` with condition SUCCESS), with their
   * commands. Their outcomes, and the container's, come back in `TaskResult.containers`.
   */
  before?: Array<{ container: string; command?: string[] }>;
  /** Told, while the task still runs, that a `before` container stopped, with its exit code. */
  onContainerExit?: (container: string, exitCode: number | undefined) => void | Promise<void>;
  /**
   * Once this aborts, the task is stopped (ECS StopTask) as soon as a `before` container has
   * exited: the step that runs is never cut off (a migration stopped mid-DDL is worse than one
   * that finished), and the steps after it do not run (unless ECS started the next container in
   * the seconds before berth saw the exit). The task's outcome is returned as usual.
   */
  stopBetweenSteps?: AbortSignal;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: boolean;
  /** What messages call the task (`ECS could not start the <label> task`); default `container`. */
  label?: string;
  /** Tag-like marker shown in the ECS console, e.g. `berth/migrate`. */
  startedBy: string;
  signal?: Signal;
  /** Told before another attempt of a task ECS could not start for a transient reason (`capacity`). */
  onRetry?: (retry: { reason: string; attempt: number; attempts: number }) => void | Promise<void>;
}

export interface TaskResult {
  taskArn: string;
  /** Absent when the container never started. */
  exitCode?: number;
  stopCode?: string;
  stoppedReason?: string;
  /** CloudWatch log stream of the container, when known. */
  logStream?: string;
  /** With `before`: each named container's outcome (its own exit code, reason and log stream). */
  containers?: Record<string, ContainerOutcome>;
}

/** How one container of a stopped task ended. */
export interface ContainerOutcome {
  /** Absent when the container never started. */
  exitCode?: number;
  /** Why it stopped, when ECS says (e.g. a dependency that did not exit 0). */
  reason?: string;
  /** Its own CloudWatch log stream, when known. */
  logStream?: string;
}

/** A revision of the release task definition registered for one run of the release steps. */
export interface StepChainInput {
  /** The task definition to copy (the stack's release task definition). */
  from: string;
  /** Its container that runs a step's command; copied once per step. */
  container: string;
  /** The steps' names, in the order they run: each container is named after its step. */
  steps: string[];
  /** Replaces the image `container` runs, wherever `from` runs it; absent: kept. */
  image?: string;
  /** The revision's tags (berth's ownership tags: IAM lets berth register only tagged ones). */
  tags: Record<string, string>;
}

/** ECS. */
export interface TaskPort {
  /**
   * Runs a one-off task and waits until it STOPPED. Transient failures to start (no capacity, no
   * network interface) are retried with back-off, a bounded number of times; then, or at once for
   * any other RunTask `failures[]`, throws TaskError. Otherwise returns the container's outcome for
   * the caller to judge.
   */
  runTask(input: RunTaskInput): Promise<TaskResult>;
  /**
   * Registers a revision of the family of `from` that runs the steps in one task: `container`
   * copied once per step, strictly ordered (each depends on the one before with condition SUCCESS;
   * only the last is essential, as ECS requires), with `image` in place of the image it ran.
   * Returns the revision's ARN.
   */
  registerStepChain(input: StepChainInput): Promise<string>;
  /**
   * Starts reading the task definition a registerStepChain may copy next, so that the read runs
   * beside others rather than at the start of the registration. A failed read is read again by the
   * registration, which reports it.
   */
  prepareStepChain?(from: string): void;
  /** Deregisters a task definition revision berth registered itself. */
  deregisterTaskDefinition(arn: string): Promise<void>;
  /**
   * Deregisters the revisions of `from`'s family that earlier release runs registered and left
   * ACTIVE (a crash before their clean-up); the stack's own revisions stay. Returns how many.
   */
  deregisterLeftRunRevisions(input: { from: string; container: string }): Promise<number>;
  /**
   * Removes what is left of a task definition family once its preview is gone: deregisters the
   * revisions still ACTIVE (a release run's revision whose deregistration a crash cut off), then
   * deletes the INACTIVE ones. Returns how many revisions ECS accepted to delete.
   */
  removeTaskDefinitions(family: string): Promise<number>;
  /** The tasks of these task definition families running now (by ARN): one-off tasks nothing may watch any more. */
  findRunningTasks(input: { cluster: string; families: string[] }): Promise<string[]>;
  /** Waits until the tasks stopped; those still running after the one-off task timeout are stopped. */
  waitForTasks(input: { cluster: string; tasks: string[]; signal?: Signal }): Promise<void>;
  /** Stops the tasks at once (ECS StopTask). */
  stopTasks(input: { cluster: string; tasks: string[]; reason: string }): Promise<void>;
  /**
   * The ids of the tasks running now for each service (by ARN, as given): a data service's task
   * storage lives exactly as long as its task, so a different id means the data is gone.
   */
  runningTasks(input: { cluster: string; services: string[] }): Promise<Record<string, string[]>>;
  /**
   * Waits for a service's rollout of its current task definition: success only when the newest
   * deployment is PRIMARY with rolloutState COMPLETED. Throws RolloutError when FAILED (circuit breaker).
   */
  waitForRollout(input: { cluster: string; service: string; signal?: Signal }): Promise<void>;
  /**
   * Sets the services' desired task count (ECS UpdateService), without waiting: a preview going to
   * sleep scales its services built from the repository to 0, a wake back to 1.
   */
  scaleServices(input: { cluster: string; services: string[]; desiredCount: number; signal?: Signal }): Promise<void>;
  /** Starts new tasks for the services (fresh ephemeral storage) and waits until they are stable. */
  restartServices(input: { cluster: string; services: string[]; signal?: Signal }): Promise<void>;
  /**
   * The latest service event saying ECS could not place a task of one of the services for a
   * reason that passes (no Fargate capacity, no network interface), or undefined.
   */
  findPlacementShortage(input: { cluster: string; services: string[] }): Promise<string | undefined>;
  /**
   * The latest task an ECS service of the task definition `family` started that stopped for a
   * reason of its own (a container exited, failed to start, failed its health checks), not because
   * the scheduler replaced or scaled it away: why a rollout's new tasks never became healthy. ECS
   * keeps stopped tasks visible for about an hour; undefined when none is left.
   */
  findStoppedTask(input: { cluster: string; family: string }): Promise<StoppedTask | undefined>;
}

/** A service's task that stopped, as ECS describes it. */
export interface StoppedTask {
  taskArn: string;
  /** The ECS service's name, from the task's group `service:<name>`. */
  service: string;
  stopCode?: string;
  stoppedReason?: string;
  /** The containers as they stopped, the task definition's order. */
  containers: StoppedContainer[];
}

/** One container of a stopped service task. */
export interface StoppedContainer {
  name: string;
  /** Whether the task stops when this container stops. */
  essential: boolean;
  /** Absent when the container never started. */
  exitCode?: number;
  /** Why it stopped, when ECS says (e.g. `OutOfMemoryError: Container killed due to memory usage`). */
  reason?: string;
  /** The image it ran. */
  image?: string;
  /** Its CloudWatch log stream, when the task definition logs with awslogs. */
  log?: { group: string; stream: string };
}

/** How much of a load balancer's capacity for previews is used, and AWS's limits. */
export interface LoadBalancerHeadroom {
  loadBalancerArn: string;
  /** Listener rules on the listener, the default rule not counted; one per preview. */
  rules: { used: number; limit: number };
  /** Target groups the load balancer routes to; one per preview. */
  targetGroups: { used: number; limit: number };
}

/** Elastic Load Balancing v2. */
export interface LoadBalancerPort {
  /** The listener's rules and its load balancer's target groups, counted, with their limits. */
  headroom(listenerArn: string): Promise<LoadBalancerHeadroom>;
  /**
   * Waits until at least one target of the group is healthy; throws HealthError with the reason on
   * timeout. `launching`: its tasks were started just now (a wake), so none can be healthy before
   * they launched and passed the health check.
   */
  waitHealthy(input: { targetGroupArn: string; signal?: Signal; launching?: boolean }): Promise<void>;
  /** Listener rule priorities in use on the listener. */
  usedPriorities(listenerArn: string): Promise<number[]>;
  /**
   * The target group a listener rule sends its traffic to: the one with the greatest weight in its
   * forward action. Undefined when the rule is gone or forwards nowhere.
   */
  forwardedTo(ruleArn: string): Promise<string | undefined>;
}

/** A blue/green service deployment paused at a lifecycle hook, waiting for berth. */
export interface PausedDeployment {
  deploymentArn: string;
  hookId: string;
}

/**
 * ECS blue/green service deployments with a pause hook (the fast rollout): the new version runs
 * and is healthy beside the old one, with no production traffic, until berth continues or rolls
 * the deployment back.
 */
export interface RolloutHookPort {
  /**
   * Waits until one of the service's deployments waits at a pause hook: looks first when a launch
   * and health check would be over (at the pace AWS goes), then every 2 s. Undefined once `signal`
   * aborts (the stack operation that deploys the service ended).
   */
  waitPaused(input: { cluster: string; service: string; signal: AbortSignal }): Promise<PausedDeployment | undefined>;
  /** One look: the service's deployment waiting at a pause hook now, if any. */
  findPaused(input: { cluster: string; service: string }): Promise<PausedDeployment | undefined>;
  /** CONTINUE (the new version takes the traffic) or ROLLBACK (it stops; the old one keeps serving). */
  resume(input: PausedDeployment & { action: "CONTINUE" | "ROLLBACK" }): Promise<void>;
}

/** CloudWatch metrics: how the shared load balancer counts what it sends to a preview. */
export interface RequestMetricsPort {
  /**
   * Requests the load balancer `loadBalancer` (its full name, `app/<name>/<id>`) routed to the target
   * group between `start` and `end`: the sum of `AWS/ApplicationELB` `RequestCount` with the
   * `TargetGroup` and `LoadBalancer` dimensions. Minutes without a request have no data point and count 0.
   */
  requestCount(input: { loadBalancer: string; targetGroupArn: string; start: Date; end: Date }): Promise<number>;
}

/** CloudWatch Logs. */
export interface LogPort {
  /** The last `lines` lines of a stream, oldest first; empty when the stream does not exist. */
  tail(input: { group: string; stream: string; lines: number }): Promise<string[]>;
  /** The stream under `prefix` (e.g. `<label>/web/`) with the newest event, or undefined. */
  latestStream(input: { group: string; prefix: string }): Promise<string | undefined>;
  /**
   * Where a person reads the log in the AWS console: one stream, or every stream under a prefix.
   * Undefined when the adapter does not know its region.
   */
  consoleUrl(input: { group: string; stream: string } | { group: string; prefix: string }): string | undefined;
}

// ---------------------------------------------------------------------------------------------
// GitHub

/** A repository on GitHub as the engine addresses it. */
export interface RepoRef {
  owner: string;
  repo: string;
  /** The GitHub App installation; looked up from the repository when a payload lacks it. */
  installationId?: number;
}

export type CheckConclusion = "success" | "failure" | "neutral" | "cancelled" | "skipped" | "action_required";

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
}

/** A check run berth created, read back: what a resync learns about a deploy that ran before. */
export interface CheckRunInfo {
  id: number;
  headSha: string;
  /** `queued`, `in_progress` or `completed` (GitHub also knows `waiting`, `requested`, `pending`). */
  status: string;
  /** Set once completed. */
  conclusion?: string;
  output: { title: string; summary: string };
}

/** Check runs on one repository. */
/** A button on a check run; GitHub sends `check_run.requested_action` with its identifier when pressed. */
export interface CheckRunAction {
  /** At most 20 characters. */
  label: string;
  /** At most 40 characters. */
  description: string;
  /** At most 20 characters. */
  identifier: string;
}

export interface CheckRunPort {
  /** Creates an in-progress check run on the SHA; returns its id and html URL. */
  create(input: { headSha: string; name: string; output: CheckRunOutput; detailsUrl?: string }): Promise<{ id: number; url: string }>;
  update(id: number, input: { output: CheckRunOutput; conclusion?: CheckConclusion; detailsUrl?: string; actions?: CheckRunAction[] }): Promise<void>;
  /** berth's own check runs of that name on the SHA (other apps' runs left out), newest first. */
  list(input: { headSha: string; name: string }): Promise<CheckRunInfo[]>;
}

export type DeploymentState = "in_progress" | "success" | "failure" | "error" | "inactive" | "queued";

/** Deployments on one repository. */
export interface DeploymentPort {
  /**
   * Creates a transient, non-production deployment of the SHA in the environment, its task
   * (`deploy:pr-<n>`) and its `payload` naming the pull request; returns its id.
   */
  create(input: { sha: string; environment: string; pr: number; description: string }): Promise<number>;
  setStatus(id: number, input: { state: DeploymentState; environmentUrl?: string; logUrl?: string; description?: string }): Promise<void>;
  /**
   * Marks every other deployment of the environment inactive (with `pr`, only that pull request's:
   * those of its task `deploy:pr-<n>`, and older ones of task `deploy` whose payload names it). Returns the commits of those that were still queued or in progress:
   * deploys a restart cut off, whose check runs may be open too.
   */
  deactivateOthers(input: { environment: string; pr?: number; exceptId?: number }): Promise<string[]>;
  /**
   * The newest `limit` deployments of the environment (of every environment when absent), newest
   * first, each with the state of its latest status (undefined: none yet). With `pr`, only that
   * pull request's of its task `deploy:pr-<n>`, read page by page until `limit` are found. One request
   * per page, plus one per deployment returned.
   */
  listRecent(input: { environment?: string; pr?: number; limit: number }): Promise<DeploymentInfo[]>;
}

/** A deployment berth created, with where its latest status left it. */
export interface DeploymentInfo {
  id: number;
  sha: string;
  /** The environment it deployed to: `preview`, or a legacy per-pull-request one like `preview/pr-7`. */
  environment: string;
  /** The pull request its payload names; undefined for one made before deployments carried it. */
  pr: number | undefined;
  state: DeploymentState | "pending" | undefined;
}

export type ReactionContent = "+1" | "-1" | "eyes" | "rocket" | "confused" | "heart" | "hooray" | "laugh";

/** Issue comments on one pull request's conversation. */
export interface CommentPort {
  /** Creates berth's sticky comment on the PR, or edits it when it exists (found by a hidden marker). */
  ensureSticky(pr: number, body: string): Promise<void>;
  /** The body of berth's sticky comment on the PR, or undefined when there is none. */
  readSticky(pr: number): Promise<string | undefined>;
  /**
   * A plain reply on the PR to the comment `replyTo` (a command's id), or to another request
   * (a check-run button press: a key naming it): posted once, however often it is asked for or
   * GitHub answers the post ambiguously (a hidden marker names what it answers).
   */
  reply(pr: number, body: string, replyTo: number | string): Promise<void>;
  /**
   * Posts berth's log comment for the command `replyTo` (`/preview logs`) and deletes the earlier
   * one, so the conversation holds one, the newest, at its end. Once per command, however often
   * asked or however GitHub answers.
   */
  replaceLogs(pr: number, body: string, replyTo: number): Promise<void>;
  react(commentId: number, content: ReactionContent): Promise<void>;
}

/** What the engine needs to know of a pull request it was not sent in full (comment events). */
export interface PullRequestInfo {
  number: number;
  headSha: string;
  /** The base branch's commit; berth's own settings for forks are read there. */
  baseSha: string;
  branch: string;
  /** The head branch lives in another repository (or a deleted one). */
  fork: boolean;
  state: "open" | "closed";
  draft: boolean;
  labels: string[];
  /** Opened by a bot account (Dependabot, Renovate, an app). */
  bot: boolean;
  baseBranch: string;
  /** Its title (user-controlled), when GitHub sent it. */
  title?: string;
}

export type RepoPermission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

/** Everything the engine does on one repository's GitHub side. */
export interface RepoGitHub {
  checks: CheckRunPort;
  deployments: DeploymentPort;
  comments: CommentPort;
  /** Files of the repository at a commit. */
  reader(sha: string): RepoReader;
  /** The pull request, or undefined when it does not exist (a comment on an issue, say). */
  pullRequest(pr: number): Promise<PullRequestInfo | undefined>;
  /**
   * Paths of the files that differ between two commits (GitHub's comparison), or undefined when
   * GitHub cannot list them all (it lists at most 300).
   */
  changedFiles(base: string, head: string): Promise<string[] | undefined>;
  /** One page (1-based, up to 100) of the repository's open pull requests, and whether more follow. One request. */
  openPullRequests(page: number): Promise<{ pulls: PullRequestInfo[]; more: boolean }>;
  /** The user's permission on the repository, from the API (never from the payload alone). */
  permission(user: string): Promise<RepoPermission>;
}

/** A repository an installation of the app may read, with the branch its config lives on. */
export interface InstalledRepo extends RepoRef {
  installationId: number;
  defaultBranch: string;
}

/** What a resync reads across the app's installations to find open pull requests no stack knows of. */
export interface AppGitHub {
  /** The app's installation ids (every page). */
  installations(): Promise<number[]>;
  /** One page (1-based, up to 100) of the repositories an installation may read, and whether more follow. One request. */
  repositories(installationId: number, page: number): Promise<{ repos: InstalledRepo[]; more: boolean }>;
}

/**
 * What the engine tells whoever counts (the app records it as Prometheus metrics): how deploys
 * end and how long their phases take. Never throws into the engine.
 */
export interface EngineMetrics {
  /** A deploy ended: `success`, `failure`, `superseded`, `restarting`, or `error` (an unexpected throw). */
  deployFinished(outcome: string, seconds: number): void;
  /** A phase of a deploy ended with `status` (success, skipped, failure, cancelled, paused) after `seconds`. */
  phaseFinished(phase: string, status: string, seconds: number): void;
}
