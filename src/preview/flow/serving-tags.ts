/**
 * The two stack tags that say which commit a preview runs. A deploy rolls the new version out
 * under `berth:deploying` and sets `berth:sha` only after berth saw the rollout finish and the
 * target healthy, so a deploy that was interrupted (or failed) after its rollout began reads, from
 * AWS alone, as `berth:deploying` differing from `berth:sha`.
 */

/** The commit the preview serves, written only once its rollout and health were confirmed. */
export const SERVING_TAG = "berth:sha";
/** The commit the last deploy rolled out or is rolling out. */
export const DEPLOYING_TAG = "berth:deploying";

/**
 * What a stack's tags say about a pull request's head: `serving` it (confirmed), `unconfirmed`
 * (a deploy of the head began its rollout and never confirmed it), or `other` (it serves another
 * commit, or nothing yet). Commits compare case-insensitively.
 */
export function servingState(tags: Record<string, string>, head: string): "serving" | "unconfirmed" | "other" {
  const sha = head.toLowerCase();
  if (tags[SERVING_TAG]?.toLowerCase() === sha) return "serving";
  if (tags[DEPLOYING_TAG]?.toLowerCase() === sha) return "unconfirmed";
  return "other";
}
