import { describe, expect, it } from "vitest";
import { runLife, type LifeResult } from "../helpers/chaos/life.js";

/**
 * The quick profile of the randomized fault-and-restart lives (scripts/chaos.ts runs the long
 * one). CHAOS_SEED=<seed> replays one life; CHAOS_LIVES=<n> runs more; CHAOS_STEPS=<n> gives lives
 * up to n events, as `npm run chaos -- --steps <n>` does.
 */
const replay = process.env.CHAOS_SEED === undefined ? undefined : Number(process.env.CHAOS_SEED);
const LIVES = Number(process.env.CHAOS_LIVES ?? 3);
const FIRST_SEED = 9001;
const STEPS = process.env.CHAOS_STEPS === undefined ? {} : { maxSteps: Number(process.env.CHAOS_STEPS) };

function report(result: LifeResult): string {
  return [`life ${result.seed} did not converge (replay: CHAOS_SEED=${result.seed} npx vitest run test/app/chaos.test.ts):`, ...result.verdict.failures.map((f) => `  ${f}`), "events:", ...result.events.map((e) => `  ${e}`)].join("\n");
}

describe("randomized lives with faults and restarts", () => {
  it(`converge: ${replay === undefined ? `${LIVES} lives from seed ${FIRST_SEED}` : `seed ${replay}`}`, { timeout: 600_000 }, async () => {
    const seeds = replay === undefined ? Array.from({ length: LIVES }, (_, i) => FIRST_SEED + i) : [replay];
    const failing: string[] = [];
    for (const seed of seeds) {
      const result = await runLife({ seed, ...STEPS });
      if (process.env.CHAOS_VERBOSE) console.log(`${seed}: ${result.verdict.converged ? "converged" : "FAILED"} ${result.verdict.endings.join(", ")} ${JSON.stringify(result.faults)}\n${result.events.join("\n")}`);
      if (!result.verdict.converged) failing.push(report(result));
    }
    expect(failing.join("\n\n")).toBe("");
  });
});
