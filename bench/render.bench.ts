/**
 * Render time of one preview template, for two projects: the
 * Django + nginx + Postgres example (three services) and the self-hosted helpdesk of the
 * real-world fixtures (ten services and a one-shot createbuckets, anchors, an override file).
 * Run with `npm run bench` (200 runs of each; `BENCH_RUNS=20 npm run bench` for a quick look).
 */
import { BASE, django, TARGET } from "../test/stack/fixtures/projects.js";

const loadStart = performance.now();
const { buildTemplate } = await import("../src/stack/build-template.js");
const loadMs = performance.now() - loadStart;
const { planPreview } = await import("../src/plan/plan-preview.js");
const { createDirReader } = await import("../src/util/repo-reader.js");

const RUNS = Number(process.env.BENCH_RUNS ?? 200);

/** Median and p95 of `RUNS` timed calls, in ms. */
async function time(run: () => unknown): Promise<{ median: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { median: at(0.5), p95: at(0.95) };
}

const figures = (t: { median: number; p95: number }) => `median ${t.median.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms`;

// Django example: the project as the stack tests build it.
const renderDjango = () => buildTemplate({ ...django, target: TARGET, baseStack: BASE });
const first = performance.now();
renderDjango();
const coldMs = performance.now() - first;
console.log(
  `buildTemplate (django example), ${RUNS} renders: ${figures(await time(renderDjango))} ` +
    `(loading the template builder ${loadMs.toFixed(0)} ms, first render ${coldMs.toFixed(0)} ms)`,
);

// The whole of `berth plan` after start-up: read config and compose from disk, validate, render.
const repo = (name: string) => createDirReader(new URL(`../test/fixtures/repos/${name}`, import.meta.url).pathname);
const django3 = repo("django-nginx-postgres");
console.log(`planPreview (read + validate + render, django example), ${RUNS} plans: ${figures(await time(() => planPreview({ reader: django3, target: TARGET, baseStack: BASE })))}`);

// The ten-service helpdesk: render the project its plan read, then the whole plan again.
const helpdesk = repo("real-world/helpdesk-selfhosted");
const planned = await planPreview({ reader: helpdesk, target: TARGET, baseStack: BASE });
if (!planned) throw new Error("helpdesk-selfhosted has no .github/preview.yml");
const { config, project, images } = planned;
const renderHelpdesk = () => buildTemplate({ project, config, images, target: TARGET, baseStack: BASE });
const bytes = Buffer.byteLength(JSON.stringify(renderHelpdesk().template));
console.log(
  `buildTemplate (helpdesk, ${project.services.length} services), ${RUNS} renders: ${figures(await time(renderHelpdesk))} (template ${(bytes / 1024).toFixed(1)} KB)`,
);
console.log(
  `planPreview (read + validate + render, helpdesk), ${RUNS} plans: ${figures(await time(() => planPreview({ reader: helpdesk, target: TARGET, baseStack: BASE })))}`,
);
