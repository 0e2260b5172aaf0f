import { ImageTimeoutError } from "../errors.js";
import type { PreviewPlan, PreviewTarget } from "../../plan/plan-preview.js";
import type { DeployReporter } from "../report/index.js";
import type { ImagePort } from "../ports.js";
import type { ImageBuilds } from "./image-builds.js";
import { shortDigest } from "./pin-image.js";

/**
 * The image phase of a deploy: waits (visibly on the check run) until every image CI should push
 * exists in ECR; returns the digest each reference points to now. A finished build (its
 * `workflow_run`) ends a wait early; after `imageTimeoutMs` it fails with ImageTimeoutError.
 * `waited`: an image was missing at the first look, so the phase waited for CI.
 */
export async function waitForImages(
  deps: {
    images: ImagePort;
    builds?: ImageBuilds;
    now: () => Date;
    sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
    options: { imageTimeoutMs: number; imagePollMs: number };
  },
  reporter: DeployReporter,
  plan: PreviewPlan,
  target: PreviewTarget,
  signal: AbortSignal,
  checkpoint: () => void,
): Promise<{ digests: Record<string, string>; waited: boolean }> {
  const refs = [...new Set(Object.values(plan.images))];
  if (refs.length === 0) {
    await reporter.done("image", "skipped", "no service with build:");
    return { digests: {}, waited: false };
  }
  await reporter.phase("image");
  const started = deps.now().getTime();
  const digests: Record<string, string> = {};
  const missing = new Set(refs);
  let waited = false;
  for (;;) {
    const mark = deps.builds?.mark(target, target.sha) ?? 0;
    for (const ref of [...missing]) {
      const digest = await deps.images.findDigest(ref);
      if (digest === undefined) continue;
      digests[ref] = digest;
      missing.delete(ref);
    }
    if (missing.size === 0) break;
    const waitedMs = deps.now().getTime() - started;
    if (waitedMs >= deps.options.imageTimeoutMs) {
      throw new ImageTimeoutError(`image not found after ${Math.round(waitedMs / 1000)} s: ${[...missing].join(", ")}`, {
        userMessage: `Image not in ECR after ${formatMinutes(waitedMs)}: ${[...missing].join(", ")}. Did CI push it for this commit? Push again to retry.`,
        imageRef: [...missing][0]!,
        waitedMs,
      });
    }
    waited = true;
    if (deps.builds) await reporter.setBuilds(deps.builds.runsOf(target, target.sha));
    await reporter.phase("image", "waiting", `waiting for ${[...missing].join(", ")}`);
    // A finished build (its workflow_run webhook) ends the wait early: ECR is read again at once.
    await (deps.builds ? deps.builds.wait(target, target.sha, deps.options.imagePollMs, signal, mark) : deps.sleep(deps.options.imagePollMs, signal));
    checkpoint();
  }
  if (deps.builds) await reporter.setBuilds(deps.builds.runsOf(target, target.sha));
  await reporter.done("image", "success", refs.map((ref) => `${ref} @ ${shortDigest(digests[ref]!)}`).join(", "));
  return { digests, waited };
}

function formatMinutes(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes >= 1 ? `${minutes} min` : `${Math.round(ms / 1000)} s`;
}
