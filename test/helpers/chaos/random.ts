/**
 * A small seeded random source for the randomized lives: mulberry32, so that a seed replays the
 * same choices (events, faults, restart points) on any machine without a dependency.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `length` hex digits, e.g. a commit SHA. */
  hex(length: number): string;
}

/** A random source seeded with a 32-bit integer; the same seed gives the same sequence. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    chance: (p) => next() < p,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    hex: (length) => Array.from({ length }, () => "0123456789abcdef"[int(0, 15)]).join(""),
  };
}

/** An independent stream derived from a seed, so that one kind of choice never shifts another's. */
export function deriveSeed(seed: number, stream: string): number {
  let h = seed >>> 0;
  for (const c of stream) h = Math.imul(h ^ c.charCodeAt(0), 0x9e3779b1) >>> 0;
  return h;
}
