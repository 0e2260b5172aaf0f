import type { RepoConfig } from "../../config/schema.js";

/**
 * The stack tags that let a periodic sweep judge a preview from AWS alone (issue #11): the windows
 * the config asked for at the last deploy, when someone last pushed, commanded or woke it, and
 * since when it sleeps. Each deploy writes the windows afresh, so a push that drops a key turns
 * that behaviour off.
 */

/** `sleep_after` in seconds; absent: the preview never sleeps. */
export const SLEEP_AFTER_TAG = "berth:sleep-after";
/** `expire_after` in seconds; absent: the preview never expires. */
export const EXPIRE_AFTER_TAG = "berth:expire-after";
/** When someone last pushed, commanded or woke the preview (ISO 8601): idle windows count from there at the earliest. */
export const ACTIVE_AT_TAG = "berth:active-at";
/** Set while the preview sleeps (its services built from the repository scaled to zero): since when, ISO 8601. */
export const ASLEEP_TAG = "berth:asleep";

const IDLE_TAGS = [SLEEP_AFTER_TAG, EXPIRE_AFTER_TAG, ACTIVE_AT_TAG, ASLEEP_TAG];

/**
 * The tags a deploy writes: the config's windows and the deploy's time as the last activity; a
 * deploy leaves the preview awake. None for a config with neither key: such a preview's tags (and
 * so its stack updates) stay exactly as they were without idle handling.
 */
export function buildIdleTags(config: Pick<RepoConfig, "sleep_after" | "expire_after">, now: Date): Record<string, string> {
  if (config.sleep_after === undefined && config.expire_after === undefined) return {};
  return {
    ...(config.sleep_after === undefined ? {} : { [SLEEP_AFTER_TAG]: String(config.sleep_after) }),
    ...(config.expire_after === undefined ? {} : { [EXPIRE_AFTER_TAG]: String(config.expire_after) }),
    [ACTIVE_AT_TAG]: now.toISOString(),
  };
}

/** `tags` without the idle tags, for a deploy to write them afresh. */
export function withoutIdleTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !IDLE_TAGS.includes(key)));
}

/** What a stack's tags say about its idleness; a tag that does not read as expected counts as absent. */
export interface IdleState {
  sleepAfterSeconds?: number;
  expireAfterSeconds?: number;
  activeAt?: Date;
  asleepSince?: Date;
}

export function readIdleState(tags: Record<string, string>): IdleState {
  const seconds = (key: string) => {
    const n = Number(tags[key]);
    return tags[key] !== undefined && Number.isSafeInteger(n) && n > 0 ? n : undefined;
  };
  const time = (key: string) => {
    const at = tags[key] === undefined ? NaN : Date.parse(tags[key]);
    return Number.isNaN(at) ? undefined : new Date(at);
  };
  const state: IdleState = {};
  const sleep = seconds(SLEEP_AFTER_TAG);
  const expire = seconds(EXPIRE_AFTER_TAG);
  const active = time(ACTIVE_AT_TAG);
  const asleep = time(ASLEEP_TAG);
  if (sleep !== undefined) state.sleepAfterSeconds = sleep;
  if (expire !== undefined) state.expireAfterSeconds = expire;
  if (active !== undefined) state.activeAt = active;
  if (asleep !== undefined) state.asleepSince = asleep;
  return state;
}
