/**
 * Render time of one preview template (the Django + nginx + Postgres example), in-process CDK
 * synthesis included. Run with `npx tsx bench/render.bench.ts`.
 */
import { BASE, django, TARGET } from "../test/stack/fixtures/projects.js";

const loadStart = performance.now();
const { buildTemplate } = await import("../src/stack/build-template.js");
const loadMs = performance.now() - loadStart;

const RUNS = 200;

const render = () => buildTemplate({ ...django, target: TARGET, baseStack: BASE });

const first = performance.now();
render();
const coldMs = performance.now() - first;

const times: number[] = [];
for (let i = 0; i < RUNS; i += 1) {
  const start = performance.now();
  render();
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
console.log(
  `buildTemplate (django example), ${RUNS} renders: median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms ` +
    `(loading aws-cdk-lib ${loadMs.toFixed(0)} ms, first render ${coldMs.toFixed(0)} ms)`,
);

// The whole of `berth plan` after start-up: read config and compose from disk, validate, render.
const { planPreview } = await import("../src/plan/plan-preview.js");
const { createDirReader } = await import("../src/util/repo-reader.js");
const reader = createDirReader(new URL("../test/fixtures/repos/django-nginx-postgres", import.meta.url).pathname);
const planTimes: number[] = [];
for (let i = 0; i < RUNS; i += 1) {
  const start = performance.now();
  await planPreview({ reader, target: TARGET, baseStack: BASE });
  planTimes.push(performance.now() - start);
}
planTimes.sort((a, b) => a - b);
const planAt = (q: number) => planTimes[Math.min(planTimes.length - 1, Math.floor(q * planTimes.length))]!;
console.log(`planPreview (read + validate + render, django example), ${RUNS} plans: median ${planAt(0.5).toFixed(1)} ms, p95 ${planAt(0.95).toFixed(1)} ms`);
