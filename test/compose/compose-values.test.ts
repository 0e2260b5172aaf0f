import { describe, expect, it } from "vitest";
import { parseBoolean, parseBytes, parseDurationSeconds, parseInteger, parseNumber } from "../../src/compose/compose-values.js";

describe("compose value formats", () => {
  it.each([
    ["10s", 10],
    ["1m30s", 90],
    ["500ms", 0.5],
    ["1.5h", 5400],
    ["2m", 120],
    ["1h2m3s", 3723],
    ["0", 0],
    ["10", undefined],
    ["10 seconds", undefined],
    ["", undefined],
  ] as const)("duration %s", (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each([
    ["512M", 512 * 1024 ** 2],
    ["512m", 512 * 1024 ** 2],
    ["1g", 1024 ** 3],
    ["2GB", 2 * 1024 ** 3],
    ["1.5GiB", 1.5 * 1024 ** 3],
    ["100k", 102400],
    ["1048576", 1048576],
    [1048576, 1048576],
    ["lots", undefined],
    ["-1m", undefined],
  ] as const)("bytes %s", (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });

  it.each([
    [true, true],
    ["true", true],
    ["TRUE", true],
    ["False", false],
    ["yes", true],
    ["On", true],
    ["n", false],
    ["off", false],
    ["1", undefined],
    ["0", undefined],
    ["t", undefined],
    [1, undefined],
  ] as const)("boolean %s", (value, expected) => {
    expect(parseBoolean(value)).toBe(expected);
  });

  it.each([
    ["0.5", 0.5, undefined],
    [2, 2, 2],
    ["3", 3, 3],
    ["x", undefined, undefined],
    ["1e3", undefined, undefined],
  ] as const)("number %s", (value, number, integer) => {
    expect(parseNumber(value)).toBe(number);
    expect(parseInteger(value)).toBe(integer);
  });
});
