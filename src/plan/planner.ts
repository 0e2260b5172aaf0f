import type { ReleaseGate } from "../stack/release-gate.js";
import type { PreviewStack } from "../stack/build-template.js";
import { planWithConfig, renderPlan, type PreviewPlan, type PreviewTarget } from "./plan-preview.js";

/** What `Planner.plan` takes: planWithConfig's input, and the config's text when the caller has it. */
export type PlanInput = Parameters<typeof planWithConfig>[0] & {
  /** The text of `configFile`, so that a planner in another thread can tell the config's lines without reading it again. */
  configText?: string;
};

/** What `Planner.render` takes besides the plan. */
export type RenderInput = { target: PreviewTarget; baseStack: string; hold?: { servingImages?: Record<string, string> }; gate?: ReleaseGate };

/**
 * Plans and renders previews: reading and validating the compose project and rendering its
 * template, CPU work of 10 to 40 ms a template. The engine asks this port rather than calling
 * planWithConfig and renderPlan, so that the app can do that work off its main thread
 * (createWorkerPlanner) while webhooks keep being answered; `berth plan` and tests plan in-process.
 */
export interface Planner {
  plan(input: PlanInput): Promise<PreviewPlan>;
  /** renderPlan: the plan's stack rendered again with other options. */
  render(plan: PreviewPlan, input: RenderInput): Promise<PreviewStack>;
  /** Stops the planner's threads, if it has any. */
  close(): Promise<void>;
}

/** Plans on the calling thread. */
export const inProcessPlanner: Planner = {
  plan: (input) => planWithConfig(input),
  render: async (plan, input) => renderPlan(plan, input),
  close: async () => undefined,
};
