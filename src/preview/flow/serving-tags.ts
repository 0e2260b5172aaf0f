/**
 * The two stack tags that say which commit a preview runs. The release phase's update (when there
 * is one) sets `berth:deploying` to the new commit and keeps `berth:sha`; the rollout update sets
 * both. CloudFormation restores a stack's tags when an update fails and rolls back, and it ends an
 * update only once ECS counts the new tasks healthy behind the load balancer, so `berth:sha` names
 * the new commit for good only when the rollout update completed. While an update runs or rolls
 * back, the tags may already name a commit that never served: read them with the stack's status.
 */

/** The commit the preview serves, written by the rollout update (and restored by its rollback). */
export const SERVING_TAG = "berth:sha";
/** The commit the last deploy rolled out or is rolling out. */
export const DEPLOYING_TAG = "berth:deploying";

/**
 * Stack states whose tags are those of a finished operation that left the stack serving: a create
 * or update that completed (its clean-up may still run), or an update rolled back to what served.
 */
const SETTLED = new Set(["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"]);

/**
 * The commit the stack serves: its `berth:sha` when the stack is settled; undefined while an
 * operation runs or after one failed without restoring the stack (the tags may then name a commit
 * that never served), and when the tag says `none`.
 */
export function findServingCommit(stack: { status: string; tags: Record<string, string> }): string | undefined {
  const sha = stack.tags[SERVING_TAG];
  return SETTLED.has(stack.status) && sha !== undefined && sha !== "none" ? sha : undefined;
}

/**
 * What a stack says about a pull request's head: `serving` it (the rollout update that set
 * `berth:sha` completed), `unconfirmed` (a deploy of the head began and has not completed, is
 * still running, or rolled back), or `other` (it serves another commit, or nothing yet). Commits
 * compare case-insensitively.
 */
export function servingState(stack: { status: string; tags: Record<string, string> }, head: string): "serving" | "unconfirmed" | "other" {
  const sha = head.toLowerCase();
  if (findServingCommit(stack)?.toLowerCase() === sha) return "serving";
  if (stack.tags[DEPLOYING_TAG]?.toLowerCase() === sha || stack.tags[SERVING_TAG]?.toLowerCase() === sha) return "unconfirmed";
  return "other";
}
