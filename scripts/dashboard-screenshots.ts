// `npm run screenshots`: renders the dashboard with sample previews in Debian's chromium at a
// desktop and a phone width, and writes the PNGs the README shows under docs/dashboard/.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { renderDashboardPage } from "../handlers/dashboard-page.js";
import { buildDashboardRows, type PreviewFacts } from "../src/dashboard/dashboard-row.js";
import type { RepoAccess } from "../src/dashboard/dashboard-access.js";

const NOW = new Date("2026-12-03T15:30:00Z");
const OUT = path.join(import.meta.dirname, "..", "docs", "dashboard");

/** A preview template's services as berth renders them: `name` -> [vCPU units, MiB, kept while asleep]. */
function template(services: Record<string, [number, number, boolean]>): object {
  const resources: Record<string, object> = {};
  const pairs = (keep: (kept: boolean) => boolean) =>
    Object.entries(services)
      .filter(([, [, , kept]]) => keep(kept))
      .map(([name]) => ({ "Fn::Join": ["=", [name, { Ref: `${name}Service` }]] }));
  for (const [name, [cpu, memory]] of Object.entries(services)) {
    resources[`${name}Task`] = { Type: "AWS::ECS::TaskDefinition", Properties: { Cpu: String(cpu), Memory: String(memory) } };
    resources[`${name}Service`] = { Type: "AWS::ECS::Service", Properties: { DesiredCount: 1, TaskDefinition: { Ref: `${name}Task` } } };
  }
  return { Resources: resources, Outputs: { ServiceArns: { Value: { "Fn::Join": [",", pairs(() => true)] } }, StatefulServiceArns: { Value: { "Fn::Join": [",", pairs((kept) => kept)] } } } };
}

const SHOP = template({ web: [512, 1024, false], worker: [256, 512, false], db: [256, 512, true] });
const DOCS = template({ site: [256, 512, false] });
const PHASES = [
  { phase: "Image", durationMs: 2_000 },
  { phase: "Stack", durationMs: 71_000 },
  { phase: "Migrate", durationMs: 38_000 },
  { phase: "Seed", durationMs: 41_000 },
  { phase: "Rollout", durationMs: 64_000 },
  { phase: "Health", durationMs: 11_000 },
];

function preview(input: { repository: string; pr: number; status?: string; tags?: Record<string, string>; createdHoursAgo: number; template: object; title: string; branch: string; sha: string }): PreviewFacts {
  const label = `${input.repository.split("/")[1]}-pr-${input.pr}`;
  return {
    stack: {
      name: `berth-${label}`,
      status: input.status ?? "UPDATE_COMPLETE",
      outputs: { Url: `https://${label}-k3v9x2q7.preview.example.com` },
      tags: { "berth:managed": "true", "berth:repository": input.repository, "berth:pr": String(input.pr), "berth:sha": input.sha, "berth:deploying": input.sha, ...input.tags },
      parameters: {},
      createdAt: new Date(NOW.getTime() - input.createdHoursAgo * 3600_000),
    },
    template: input.template,
    region: "us-east-1",
    pull: { title: input.title, branch: input.branch },
    phases: PHASES,
  };
}

const idle = (activeHoursAgo: number) => ({ "berth:sleep-after": "7200", "berth:expire-after": "604800", "berth:active-at": new Date(NOW.getTime() - activeHoursAgo * 3600_000).toISOString() });

const rows = buildDashboardRows(
  [
    preview({ repository: "acme/shop", pr: 42, createdHoursAgo: 26, template: SHOP, title: "Checkout with saved cards", branch: "feature/saved-cards", sha: "9f2c4e1a7b3d5f6e8a9b0c1d2e3f4a5b6c7d8e9f", tags: idle(0.5) }),
    preview({ repository: "acme/shop", pr: 57, status: "UPDATE_IN_PROGRESS", createdHoursAgo: 3, template: SHOP, title: "Faster product search", branch: "perf/search-index", sha: "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b", tags: { "berth:deploying": "4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e" } }),
    preview({ repository: "acme/shop", pr: 61, status: "UPDATE_ROLLBACK_COMPLETE", createdHoursAgo: 50, template: SHOP, title: "Upgrade to Rails 8", branch: "deps/rails-8", sha: "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f", tags: { "berth:deploying": "6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a" } }),
    preview({ repository: "acme/docs", pr: 12, createdHoursAgo: 74, template: DOCS, title: "New getting-started guide", branch: "docs/getting-started", sha: "7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b", tags: { ...idle(20), "berth:asleep": new Date(NOW.getTime() - 18 * 3600_000).toISOString() } }),
  ],
  NOW,
);
const html = renderDashboardPage({
  login: "octocat",
  rows,
  access: new Map<string, RepoAccess>([
    ["acme/shop", "write"],
    ["acme/docs", "read"],
  ]),
  filter: {},
  csrf: "sample",
  notice: { text: "Redeploy of acme/shop#42 queued." },
  githubUrl: "https://github.com",
  now: NOW,
});

mkdirSync(OUT, { recursive: true });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-background-networking"] });
try {
  for (const [name, viewport] of [
    ["desktop", { width: 1440, height: 900 }],
    ["phone", { width: 390, height: 844 }],
  ] as const) {
    const page = await browser.newPage({ viewport, deviceScaleFactor: name === "phone" ? 2 : 1 });
    await page.setContent(html);
    await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: name === "desktop" });
    await page.close();
    console.log(`wrote docs/dashboard/${name}.png`);
  }
} finally {
  await browser.close();
}
