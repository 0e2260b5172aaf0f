/** A CI run that builds a commit's images, as GitHub's `workflow_run` webhook describes it. */
export interface BuildRun {
  /** The workflow's name, e.g. `preview images`. */
  name: string;
  /** The run's page on GitHub. */
  url: string;
  status: "requested" | "in_progress" | "completed" | "queued" | "waiting" | "pending";
  /** Set once completed: `success`, `failure`, `cancelled`, ... */
  conclusion?: string | null;
}

/** Runs remembered at most; the oldest is forgotten first (a commit's images wait at most an hour or so). */
const REMEMBERED = 2_000;

/**
 * What CI says about the builds of each commit's images, so a deploy waiting for its images looks
 * at ECR again the moment a build finishes (not at its next poll) and its check run links to the
 * run. Keyed by repository and commit; a commit may have several workflows: the newest news of each
 * is kept.
 */
export class ImageBuilds {
  private readonly runs = new Map<string, Map<string, BuildRun>>();
  private readonly waiters = new Map<string, Set<AbortController>>();
  /** Per commit, how many completed runs were heard of: a wait that began after one was missed returns at once. */
  private readonly completions = new Map<string, number>();

  constructor(private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>) {}

  /** Records a run's news; a completed run wakes every deploy waiting for that commit's images. */
  note(repo: { owner: string; repo: string }, sha: string, run: BuildRun): void {
    const key = keyOf(repo, sha);
    const runs = this.runs.get(key) ?? new Map<string, BuildRun>();
    runs.set(run.name, run);
    this.runs.delete(key);
    this.runs.set(key, runs);
    if (this.runs.size > REMEMBERED) this.runs.delete(this.runs.keys().next().value as string);
    if (run.status !== "completed") return;
    this.completions.set(key, (this.completions.get(key) ?? 0) + 1);
    if (this.completions.size > REMEMBERED) this.completions.delete(this.completions.keys().next().value as string);
    for (const waiter of this.waiters.get(key) ?? []) waiter.abort();
  }

  /** The runs known to build this commit's images, the newest news last. */
  runsOf(repo: { owner: string; repo: string }, sha: string): BuildRun[] {
    return [...(this.runs.get(keyOf(repo, sha))?.values() ?? [])];
  }

  /** A mark to pass to `wait`: taken before looking at ECR, so a build that completes meanwhile is not missed. */
  mark(repo: { owner: string; repo: string }, sha: string): number {
    return this.completions.get(keyOf(repo, sha)) ?? 0;
  }

  /**
   * Waits `ms`, or less when a build of the commit completes or `signal` aborts; at once when one
   * completed since `mark` was taken.
   */
  async wait(repo: { owner: string; repo: string }, sha: string, ms: number, signal: AbortSignal | undefined, mark: number): Promise<void> {
    const key = keyOf(repo, sha);
    if ((this.completions.get(key) ?? 0) !== mark) return;
    const woken = new AbortController();
    const stop = () => woken.abort();
    signal?.addEventListener("abort", stop, { once: true });
    const waiters = this.waiters.get(key) ?? new Set<AbortController>();
    waiters.add(woken);
    this.waiters.set(key, waiters);
    try {
      if (!signal?.aborted) await this.sleep(ms, woken.signal);
    } finally {
      signal?.removeEventListener("abort", stop);
      waiters.delete(woken);
      if (waiters.size === 0) this.waiters.delete(key);
    }
  }
}

function keyOf(repo: { owner: string; repo: string }, sha: string): string {
  return `${repo.owner}/${repo.repo}@${sha}`.toLowerCase();
}
