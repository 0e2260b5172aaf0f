import type { PreviewService } from "../src/preview/index.js";

/** What the handlers need: the engine's front door. */
export interface HandlerDeps {
  previews: Pick<PreviewService, "enqueue" | "command" | "imageBuild" | "checkRunAction">;
}
