import { describePreview } from "../cli/list-command.js";
import { readIdleState } from "../preview/flow/index.js";
import type { StackSummary } from "../preview/ports.js";
import { FARGATE_PRICES, serviceSizes, type ServiceSize } from "../stack/fargate-price.js";

/** What the dashboard says a preview is doing; in words on the page, never by colour alone. */
export type DashboardState = "deploying" | "ready" | "failed" | "asleep" | "removing";

export const DASHBOARD_STATES: readonly DashboardState[] = ["deploying", "ready", "failed", "asleep", "removing"];

/** One preview as the dashboard shows it. */
export interface DashboardRow {
  /** `owner/repo`, as the stack's tags name it. */
  repository: string;
  pr: number;
  stack: string;
  state: DashboardState;
  /** The pull request's title and head branch, when GitHub told them (user-controlled). */
  title?: string;
  branch?: string;
  /** The commit that serves; absent until a first deploy succeeded. */
  sha?: string;
  /** The commit the last deploy rolled out, when it differs from `sha`. */
  deploying?: string;
  url?: string;
  createdAt?: Date;
  /** Each running service's Fargate size; empty when the template could not be read. */
  services: ServiceSize[];
  /** Dollars an hour awake, and asleep (the data services only); absent where berth ships no price. */
  perHour?: number;
  asleepPerHour?: number;
  /** Dollars since the stack was created (see `costSoFar`). */
  soFar?: number;
  /** How long each finished phase of the last deploy took, in order. */
  phases: Array<{ phase: string; durationMs: number }>;
  asleepSince?: Date;
  /** The earliest time it sleeps (awake, `sleep_after` set) and is removed (`expire_after` set), unless someone uses it. */
  sleepsAt?: Date;
  expiresAt?: Date;
}

/** What berth knows of one preview: its stack, and what the dashboard could read besides. */
export interface PreviewFacts {
  stack: StackSummary;
  /** The template the stack runs (its services' sizes). */
  template?: object;
  /** The region the previews run in (the prices). */
  region?: string;
  pull?: { title?: string; branch?: string };
  phases?: Array<{ phase: string; durationMs: number }>;
}

/** The dashboard's rows: one per preview stack (stacks without `berth:pr` are not previews), by repository then pull request. Pure. */
export function buildDashboardRows(facts: readonly PreviewFacts[], now: Date): DashboardRow[] {
  return facts
    .filter((f) => f.stack.tags["berth:pr"] !== undefined)
    .map((f) => buildDashboardRow(f, now))
    .sort((a, b) => a.repository.localeCompare(b.repository) || a.pr - b.pr);
}

/** One preview's row, from its stack's status and tags (as `berth list` reads them) and the facts beside. Pure. */
export function buildDashboardRow(facts: PreviewFacts, now: Date): DashboardRow {
  const listed = describePreview(facts.stack);
  const idle = readIdleState(facts.stack.tags);
  const asleep = idle.asleepSince !== undefined && listed.state === "ready";
  const services = facts.template ? serviceSizes(facts.template) : [];
  const price = facts.region === undefined ? undefined : FARGATE_PRICES[facts.region];
  const priceOf = (list: ServiceSize[]) => (price === undefined ? undefined : list.reduce((sum, s) => sum + s.vcpu * price.vcpuHour + s.gb * price.gbHour, 0));
  const perHour = services.length > 0 ? priceOf(services) : undefined;
  const asleepPerHour = services.length > 0 ? priceOf(services.filter((s) => s.keptAsleep)) : undefined;
  const createdAt = facts.stack.createdAt;
  const since = idle.activeAt ?? createdAt;
  const at = (seconds: number | undefined) => (seconds === undefined || since === undefined ? undefined : new Date(since.getTime() + seconds * 1000));
  const sleepsAt = asleep ? undefined : at(idle.sleepAfterSeconds);
  const expiresAt = at(idle.expireAfterSeconds);
  const soFar =
    perHour === undefined || createdAt === undefined ? undefined : costSoFar({ perHour, asleepPerHour: asleepPerHour ?? 0, createdAt, ...(asleep ? { asleepSince: idle.asleepSince! } : {}), now });
  return {
    repository: listed.repository,
    pr: listed.pr,
    stack: listed.stack,
    state: asleep ? "asleep" : listed.state,
    ...(facts.pull?.title === undefined ? {} : { title: facts.pull.title }),
    ...(facts.pull?.branch === undefined ? {} : { branch: facts.pull.branch }),
    ...(listed.serving === undefined ? {} : { sha: listed.serving }),
    ...(listed.deploying === undefined ? {} : { deploying: listed.deploying }),
    ...(listed.url === undefined ? {} : { url: listed.url }),
    ...(createdAt === undefined ? {} : { createdAt }),
    services,
    ...(perHour === undefined ? {} : { perHour }),
    ...(asleepPerHour === undefined ? {} : { asleepPerHour }),
    ...(soFar === undefined ? {} : { soFar }),
    phases: facts.phases ?? [],
    ...(asleep ? { asleepSince: idle.asleepSince! } : {}),
    ...(sleepsAt === undefined ? {} : { sleepsAt }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

/**
 * Dollars a preview has cost since its stack was created, as far as its tags tell: the awake price
 * until the current sleep began (`berth:asleep`), the asleep price since. Earlier sleeps leave no
 * tag, so they count as awake: the figure is an upper bound, at today's size.
 */
export function costSoFar(input: { perHour: number; asleepPerHour: number; createdAt: Date; asleepSince?: Date; now: Date }): number {
  const hours = (from: Date, to: Date) => Math.max(0, to.getTime() - from.getTime()) / 3_600_000;
  if (input.asleepSince === undefined) return input.perHour * hours(input.createdAt, input.now);
  const sleptFrom = input.asleepSince < input.createdAt ? input.createdAt : input.asleepSince;
  return input.perHour * hours(input.createdAt, sleptFrom) + input.asleepPerHour * hours(sleptFrom, input.now);
}
