/**
 * Serializes work per key and coalesces what arrives while a key is busy: at most one job runs
 * and at most one waits per key; a newer job replaces the waiting one (merged by the caller's
 * `merge`), and the running job's AbortSignal fires so it can stop at its next safe point.
 * Different keys run in parallel, at most `concurrency` at once.
 */
export class KeyedQueue<J> {
  private readonly running = new Map<string, { job: J; controller: AbortController; done: Promise<void> }>();
  private readonly waiting = new Map<string, J>();
  private readonly ready: string[] = [];
  private active = 0;
  private idleWaiters: Array<() => void> = [];
  /** Set by `stop`: nothing starts any more and pushes are dropped. */
  private stopped = false;

  constructor(
    private readonly options: {
      concurrency: number;
      run: (key: string, job: J, signal: AbortSignal) => Promise<void>;
      /** Combines a waiting job with a newer one for the same key; default: the newer one wins. */
      merge?: (older: J, newer: J) => J;
      /** Whether `newer` should interrupt `running` (default: always). */
      supersedes?: (running: J, newer: J) => boolean;
      onError: (key: string, job: J, error: unknown) => void;
    },
  ) {}

  /** Adds a job for the key. Returns at once; the job runs later. Returns false once the queue is stopped. */
  push(key: string, job: J): boolean {
    if (this.stopped) return false;
    const older = this.waiting.get(key);
    const merged = older !== undefined && this.options.merge ? this.options.merge(older, job) : job;
    this.waiting.set(key, merged);
    const current = this.running.get(key);
    if (current) {
      const reason: unknown = current.controller.signal.reason;
      // Already stopping: it is the newest waiting job, not the first of a burst, that replaces it.
      if (reason instanceof SupersededSignal) reason.by = merged;
      else if (this.options.supersedes?.(current.job, merged) ?? true) current.controller.abort(new SupersededSignal(merged));
      return true;
    }
    if (older === undefined) this.ready.push(key);
    this.pump();
    return true;
  }

  /**
   * Stops the queue for good: drops the waiting jobs (returned, so the caller can say what was
   * left), refuses later pushes and aborts every running job with `reason`, so each stops at its
   * next safe point. `idle()` resolves once the running jobs have ended.
   */
  stop(reason: unknown): J[] {
    this.stopped = true;
    const dropped = [...this.waiting.values()];
    this.waiting.clear();
    this.ready.length = 0;
    // A job already stopping for a newer one keeps that reason: the newer head is what the next
    // process deploys (it has no check run yet, so the start-up resync queues it).
    for (const { controller } of this.running.values()) controller.abort(reason);
    this.pump();
    return dropped;
  }

  /** How many jobs run now. */
  get runningCount(): number {
    return this.running.size;
  }

  /** How many jobs wait for a slot or for their key's running job. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  /** The job now running for the key, if any. */
  runningJob(key: string): J | undefined {
    return this.running.get(key)?.job;
  }

  /** Resolves when nothing runs or waits; for tests and graceful shutdown. */
  async idle(): Promise<void> {
    if (this.active === 0 && this.waiting.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.active < this.options.concurrency) {
      const key = this.ready.shift();
      if (key === undefined) break;
      const job = this.waiting.get(key);
      if (job === undefined || this.running.has(key)) continue;
      this.waiting.delete(key);
      this.start(key, job);
    }
    if (this.active === 0 && this.waiting.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private start(key: string, job: J): void {
    const controller = new AbortController();
    this.active += 1;
    const done = (async () => {
      try {
        await this.options.run(key, job, controller.signal);
      } catch (error) {
        this.options.onError(key, job, error);
      } finally {
        this.running.delete(key);
        this.active -= 1;
        if (this.waiting.has(key)) this.ready.push(key);
        this.pump();
      }
    })();
    this.running.set(key, { job, controller, done });
  }
}

/**
 * The abort reason a superseded job sees: carries the job that replaces it. `by` follows later
 * pushes while the job is stopping, so it names the job that runs next.
 */
export class SupersededSignal<J = unknown> {
  constructor(public by: J) {}
}

/**
 * The abort reason a job sees when berth stops (SIGTERM): it stops at its next safe point, and the
 * next process resumes it. A job that may not reach one in time registers what to say then with
 * `onDeadline`; the stopping side calls `expire` when its deadline comes.
 */
export class RestartSignal {
  readonly reason = "berth is restarting";
  private readonly atDeadline: Array<() => Promise<void>> = [];

  onDeadline(action: () => Promise<void>): void {
    this.atDeadline.push(action);
  }

  /** Runs what the jobs still running registered; resolves when all of it has settled. */
  async expire(): Promise<void> {
    await Promise.allSettled(this.atDeadline.splice(0).map((action) => action()));
  }
}
