import { isDeepStrictEqual } from "node:util";
import { RELEASE_TASK_DEFINITION_ID } from "../../stack/build-template.js";
import { withoutReleaseGate } from "../../stack/release-gate.js";

/**
 * What the release phase's stack update would change, compared with the template the stack runs
 * now: `none`; `release-image` when the only difference is the image of the release task
 * definition's containers that run the release service's image (a push that changed code, not
 * the compose file or the config), which berth registers itself instead of paying for a stack
 * update; `other` for anything else (a new data service, a changed environment, a one-shot
 * service's new image), which takes the stack update. Pure.
 */
export function compareReleasePhase(
  current: Record<string, unknown> | undefined,
  candidate: Record<string, unknown>,
  releaseImage: string | undefined,
): "none" | "release-image" | "other" {
  if (current === undefined) return "other";
  // The last rollout's release gate is no part of what the release phase runs.
  current = withoutReleaseGate(current);
  // As CloudFormation stores it: JSON, without the keys an object held undefined.
  const wanted = JSON.parse(JSON.stringify(candidate)) as Record<string, unknown>;
  if (isDeepStrictEqual(current, wanted)) return "none";
  if (releaseImage === undefined) return "other";
  const now = releaseContainers(current);
  const next = releaseContainers(wanted);
  if (!now || !next) return "other";
  for (const container of next) {
    if (container.Image !== releaseImage) continue;
    const before = now.find((c) => c.Name === container.Name);
    if (typeof before?.Image !== "string") return "other";
    container.Image = before.Image;
  }
  return isDeepStrictEqual(current, wanted) ? "release-image" : "other";
}

/**
 * Whether running `candidate` would change the stack's resources, release gates aside: false for
 * a rollout of the template the stack runs now (a redeploy of the commit serving), true when the
 * running template is unknown. Pure.
 */
export function changesTemplate(current: Record<string, unknown> | undefined, candidate: Record<string, unknown>): boolean {
  if (current === undefined) return true;
  return !isDeepStrictEqual(withoutReleaseGate(current), JSON.parse(JSON.stringify(candidate)));
}

function releaseContainers(template: Record<string, unknown>): Array<Record<string, unknown>> | undefined {
  const resources = template.Resources as Record<string, { Properties?: { ContainerDefinitions?: unknown } }> | undefined;
  const containers = resources?.[RELEASE_TASK_DEFINITION_ID]?.Properties?.ContainerDefinitions;
  return Array.isArray(containers) ? (containers as Array<Record<string, unknown>>) : undefined;
}

/** Whether two stacks' tags are the same apart from `ignored` keys. */
export function sameTags(a: Record<string, string>, b: Record<string, string>, ignored: readonly string[]): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => !ignored.includes(k)));
  return [...keys].every((k) => a[k] === b[k]);
}
