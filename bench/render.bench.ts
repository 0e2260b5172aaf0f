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
