import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createDashboard } from "../../handlers/dashboard-routes.js";
import { CHECK_RUN_EVENTS, PULL_REQUEST_EVENTS, WORKFLOW_RUN_EVENTS } from "../../handlers/webhooks.js";

const manifest = parse(readFileSync(new URL("../../app.yml", import.meta.url), "utf8")) as { default_events: string[]; default_permissions: Record<string, string>; callback_urls: string[] };

describe("app.yml, the GitHub App manifest", () => {
  it("asks for exactly the events the webhook endpoint handles", () => {
    const handled = new Set([...PULL_REQUEST_EVENTS, "issue_comment.created", ...WORKFLOW_RUN_EVENTS, ...CHECK_RUN_EVENTS].map((event) => event.split(".")[0]));

    expect(new Set(manifest.default_events)).toEqual(handled);
  });

  it("asks for actions: read, which GitHub requires for workflow_run webhooks, and never for write on it", () => {
    expect(manifest.default_permissions.actions).toBe("read");
  });

  it("names the dashboard's sign-in callback, the path berth's dashboard answers it on", () => {
    expect(manifest.callback_urls).toEqual(["http://localhost:3000/auth/callback"]);
    const dashboard = createDashboard({ publicUrl: "http://localhost:3000" } as Parameters<typeof createDashboard>[0]);
    expect(dashboard.answers("GET", new URL(manifest.callback_urls[0]!).pathname)).toBe(true);
  });
});
