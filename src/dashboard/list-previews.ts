import { CHECK_NAME, readPhaseDurations } from "../preview/report/index.js";
import type { RepoGitHub, RepoRef, StackPort, StackSummary } from "../preview/ports.js";
import { baseLocation } from "../stack/base-stack.js";
import type { Logger } from "../util/logger.js";
import { accessKey } from "./dashboard-access.js";
import { buildDashboardRows, type DashboardRow, type PreviewFacts } from "./dashboard-row.js";

/** What the dashboard reads previews through. */
export interface ListPreviewsDeps {
  stacks: Pick<StackPort, "list" | "findTemplate">;
  /** GitHub for one repository (the installation's token): the pull request's title and branch, the last deploy's check run. */
  github: (repo: RepoRef) => Promise<RepoGitHub>;
  /** The base stack's outputs: the region, and so the prices. */
  base: () => Promise<{ outputs: Record<string, string> }>;
  now: () => Date;
  log: Logger;
  /** How long a pull request's title, branch and phases are reused; default 60 s. */
  githubTtlMs?: number;
}

/** Lists the dashboard's rows of the repositories `readable` names (`owner/repo`, any case) only; cached reads keep a page load cheap. */
export type ListPreviews = (readable: readonly string[]) => Promise<DashboardRow[]>;

const MAX_CACHED = 2_000;

/**
 * The dashboard's read side: every preview stack (one ListStacks), for the repositories asked for
 * its template (read once per deploy: its services' sizes and price) and, from GitHub, its pull
 * request's title and branch and the phases of the last deploy's check run (reused for a minute).
 * What cannot be read is left out of the row, never fails the page.
 */
export function createListPreviews(deps: ListPreviewsDeps): ListPreviews {
  const ttl = deps.githubTtlMs ?? 60_000;
  const templates = new Map<string, { key: string; value: Promise<object | undefined> }>();
  const details = new Map<string, { at: number; value: Promise<Pick<PreviewFacts, "pull" | "phases">> }>();
  const remember = <V>(cache: Map<string, V>, key: string, value: V) => {
    cache.delete(key);
    cache.set(key, value);
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  };

  const templateOf = (stack: StackSummary): Promise<object | undefined> => {
    // A template changes only with a stack operation, which changes its status or tags.
    const key = `${stack.status} ${stack.tags["berth:deploying"] ?? ""} ${stack.tags["berth:sha"] ?? ""}`;
    const cached = templates.get(stack.name);
    if (cached?.key === key) return cached.value;
    const value = deps.stacks.findTemplate(stack.name).catch((error: unknown) => {
      deps.log.warn({ err: error, stack: stack.name }, "dashboard: could not read the stack's template");
      templates.delete(stack.name);
      return undefined;
    });
    remember(templates, stack.name, { key, value });
    return value;
  };

  const detailsOf = (repository: string, pr: number, sha: string | undefined): Promise<Pick<PreviewFacts, "pull" | "phases">> => {
    const key = `${repository.toLowerCase()}#${pr} ${sha ?? ""}`;
    const now = deps.now().getTime();
    const cached = details.get(key);
    if (cached && now - cached.at < ttl) return cached.value;
    const [owner, repo] = repository.split("/");
    const value = (async () => {
      const github = await deps.github({ owner: owner!, repo: repo! });
      const [pull, runs] = await Promise.all([github.pullRequest(pr), sha === undefined ? Promise.resolve([]) : github.checks.list({ headSha: sha, name: CHECK_NAME })]);
      const finished = runs.find((run) => run.status === "completed");
      return {
        ...(pull ? { pull: { ...(pull.title === undefined ? {} : { title: pull.title }), branch: pull.branch } } : {}),
        ...(finished ? { phases: readPhaseDurations(finished.output.summary) } : {}),
      };
    })().catch((error: unknown) => {
      deps.log.warn({ err: error, repository, pr }, "dashboard: could not read the pull request from GitHub");
      details.delete(key);
      return {};
    });
    remember(details, key, { at: now, value });
    return value;
  };

  return async (readable) => {
    const keys = new Set(readable.map(accessKey));
    const [stacks, region] = await Promise.all([
      deps.stacks.list(),
      deps.base().then(
        (base) => baseLocation(base.outputs)?.region,
        () => undefined,
      ),
    ]);
    const previews = stacks.filter((s) => s.tags["berth:pr"] !== undefined && keys.has(accessKey(s.tags["berth:repository"] ?? "")));
    const facts = await Promise.all(
      previews.map(async (stack): Promise<PreviewFacts> => {
        const sha = stack.tags["berth:deploying"] ?? stack.tags["berth:sha"];
        const [template, more] = await Promise.all([templateOf(stack), detailsOf(stack.tags["berth:repository"] ?? "", Number(stack.tags["berth:pr"]), sha === "none" ? undefined : sha)]);
        return { stack, ...(template ? { template } : {}), ...(region ? { region } : {}), ...more };
      }),
    );
    return buildDashboardRows(facts, deps.now());
  };
}
