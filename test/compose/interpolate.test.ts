import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { interpolate, InterpolationError } from "../../src/compose/interpolate.js";

interface Vector {
  name: string;
  template: string;
  env: Record<string, string>;
  expect?: string;
  error?: "invalid" | "required";
  variable?: string;
  message?: string;
  go_error?: string;
}

const vectors = JSON.parse(
  readFileSync(new URL("../fixtures/compose-spec/interpolation-vectors.json", import.meta.url), "utf8"),
) as Vector[];

function lookupIn(env: Record<string, string>) {
  return (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("interpolate: compose-go vectors", () => {
  it("has the whole vector file", () => {
    expect(vectors).toHaveLength(116);
  });

  it.each(vectors.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    if (v.expect !== undefined) {
      expect(interpolate(v.template, lookupIn(v.env))).toBe(v.expect);
      return;
    }
    const error = thrown(() => interpolate(v.template, lookupIn(v.env)));
    expect(error).toBeInstanceOf(InterpolationError);
    const e = error as InterpolationError;
    expect(e.kind).toBe(v.error);
    if (v.error === "required") {
      expect(e.variable).toBe(v.variable);
      // Same wording as Docker Compose.
      expect(e.message).toBe(v.go_error);
    }
  });
});

describe("interpolate: unset variables", () => {
  it.each([
    { template: "$A ${B}", unset: ["A", "B"] },
    { template: "${A:-x} ${A-x} ${A:+x} ${A+x}", unset: [] },
    { template: "${A:-${B}}", unset: ["B"] },
    { template: "${A:+${B}}", unset: [] },
    { template: "$$A", unset: [] },
  ])("$template reports $unset", ({ template, unset }) => {
    const seen: string[] = [];
    interpolate(template, () => undefined, { onUnset: (name) => seen.push(name) });
    expect(seen).toEqual(unset);
  });

  it("names the template and the fix in an invalid-template error", () => {
    expect(() => interpolate("a ${foo!}", () => undefined)).toThrow(
      'invalid interpolation format in "a ${foo!}": write a literal $ as $$',
    );
  });
});
