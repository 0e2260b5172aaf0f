import { clampPace } from "./operation-progress.js";

/**
 * How fast AWS works now compared with berth's typical figures (`TYPICAL_MS`), as its own
 * timestamps told of the last phase berth timed: 2 when a Fargate launch took 70 s instead of 35 s.
 * A wait with nothing of its own to go by (the first of its kind, as in a first deploy) scales the
 * typical figure by it, so once one phase of a deploy was timed, the later ones expect the same
 * pace instead of AWS's typical one. One instance is shared by an engine's adapters.
 *
 * Only AWS's own work is timed into it (a stack's resources, a service's rollout, a task's
 * launch), never a release step's command, which is the application's.
 */
export class AwsPace {
  private ratio: number | undefined;

  /** Records a phase that took `tookMs` by AWS's timestamps, where berth's typical figure is `typicalMs`. */
  record(tookMs: number, typicalMs: number): void {
    if (!(tookMs > 0 && typicalMs > 0)) return;
    this.ratio = clampPace(tookMs / typicalMs);
  }

  /** The last ratio recorded, 1 before any. */
  get factor(): number {
    return this.ratio ?? 1;
  }

  /** `typicalMs` at the current pace. */
  scale(typicalMs: number): number {
    return typicalMs * this.factor;
  }
}
