import { describe, expect, it } from "vitest";
import { join, ref, split } from "../../../src/stack/template/intrinsics.js";

const domain = ref("BaseDomain");

describe("join", () => {
  it.each([
    ["literals only become plain text", ",", ["a", "b", "c"], "a,b,c"],
    ["one value is that value", ",", [domain], domain],
    ["adjacent literals are joined around an expression", "", ["https://", "pr-1", ".", domain], { "Fn::Join": ["", ["https://pr-1.", domain]] }],
    [
      "a nested join with the same delimiter is spliced in",
      "",
      ["x=", { "Fn::Join": ["", ["https://", domain]] }, "/cb"],
      { "Fn::Join": ["", ["x=https://", domain, "/cb"]] },
    ],
    [
      "a nested join with another delimiter stays whole",
      "",
      ["https://", { "Fn::Join": [".", ["pr-1", domain]] }],
      { "Fn::Join": ["", ["https://", { "Fn::Join": [".", ["pr-1", domain]] }]] },
    ],
  ] as const)("%s", (_name, delimiter, values, expected) => {
    expect(join(delimiter, values as never)).toEqual(expected);
  });

  it("refuses an empty list, as CloudFormation does", () => {
    expect(() => join(",", [])).toThrow("join: Fn::Join needs at least one value");
  });
});

describe("split", () => {
  it("splits literal text at once and a deploy-time value with Fn::Split", () => {
    expect(split(",", "a,b")).toEqual(["a", "b"]);
    expect(split(",", ref("BaseSubnets"))).toEqual({ "Fn::Split": [",", { Ref: "BaseSubnets" }] });
  });
});
