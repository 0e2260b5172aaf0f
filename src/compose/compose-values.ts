/**
 * Parsers for Compose's scalar value formats (durations, byte sizes, booleans, numbers), each
 * returning undefined for text it does not accept so that the caller can name the key.
 */

const DURATION_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A Go duration (`1m30s`, `500ms`, `1.5h`, `0`) in seconds, as Compose reads durations. */
export function parseDurationSeconds(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "0") return 0;
  if (!/^(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*$/.test(trimmed)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    seconds += Number(amount) * DURATION_UNITS[unit!]!;
  }
  return seconds;
}

const BYTE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** A byte size (`512M`, `1g`, `2GB`, `1.5GiB`, `1048576`) in bytes, powers of 1024 as docker's RAMInBytes. */
export function parseBytes(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * BYTE_UNITS[(match[2] ?? "").toLowerCase()]!;
}

/**
 * A boolean written as YAML boolean or as text compose-go casts to one (its `toBoolean`, applied to
 * every string a boolean field receives): `true`/`false` in any case, and YAML 1.1's `yes`, `on`,
 * `y` / `no`, `off`, `n`, which Compose still accepts with a warning. `1` and `0` are not booleans.
 */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value !== "string") return undefined;
  const text = value.toLowerCase();
  if (["true", "yes", "y", "on"].includes(text)) return true;
  if (["false", "no", "n", "off"].includes(text)) return false;
  return undefined;
}

/** A finite number written as a number or as decimal text. */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || !/^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(value)) return undefined;
  return Number(value);
}

/** An integer written as a number or as decimal text. */
export function parseInteger(value: unknown): number | undefined {
  const n = parseNumber(value);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}
