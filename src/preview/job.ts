import type { DeployAttempt } from "./report/index.js";
import type { RepoRef } from "./ports.js";

/** What someone asked berth to do for one pull request. */
export interface PreviewJob {
  repo: RepoRef;
  pr: number;
  /**
   * deploy: a push or an opened PR; redeploy: deploy the head again; reset: wipe data, migrate,
   * seed; destroy/close: remove; sleep/expire: the idle sweep found nobody looking (`sleep_after`,
   * `expire_after`); wake: `/preview wake`; extend: someone asked for more time (the dashboard),
   * recorded as activity, which restarts both idle windows.
   */
  action: "deploy" | "redeploy" | "reset" | "destroy" | "close" | "sleep" | "wake" | "expire" | "extend";
  /** The head SHA to deploy (ignored by destroy/close). */
  sha: string;
  branch?: string;
  /** Pull requests from forks never receive the repository's secrets. */
  fork?: boolean;
  /** Draft pull requests deploy only when the config allows (`drafts: true`, the default). */
  draft?: boolean;
  /** The pull request's labels, its author being a bot and its base branch: what `deploy` rules judge. */
  labels?: string[];
  bot?: boolean;
  baseBranch?: string;
  /** Set for a `labeled` or `unlabeled` event: the label, and whether it was added. */
  label?: { name: string; added: boolean };
  /** The base branch's commit: a fork's say over berth's own settings never counts, the base's does. */
  baseSha?: string;
  /** Set by `/preview approve`: the fork head SHA a maintainer approved. */
  approvedSha?: string;
  /** Set by a resync that deploys a head again after an interrupted or transiently failed attempt. */
  attempt?: DeployAttempt;
  /**
   * The `/preview` comment (its id) or check-run button (`button`: its label, and a key for the
   * reply) that alone asked for this job (reset, redeploy, destroy: no resync finds them again; an
   * approval is recorded in the sticky comment and is): told if dropped. Deploy rules do not apply.
   */
  asked?: { commentId: number | string; command: string; button?: string; from?: "check run" | "dashboard" };
  /** The head a push replaced (a `synchronize` webhook's `before`): tells a push delivered late from the newest one. */
  replaces?: string;
}
