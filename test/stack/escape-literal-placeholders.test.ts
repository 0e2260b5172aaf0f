import { describe, expect, it } from "vitest";
import { escapeLiteralPlaceholders } from "../../src/stack/escape-literal-placeholders.js";

describe("escapeLiteralPlaceholders", () => {
  it.each([
    ["pg_isready -U ${POSTGRES_USER}", { "Fn::Sub": "pg_isready -U ${!POSTGRES_USER}" }],
    ["a ${X} and ${Y}", { "Fn::Sub": "a ${!X} and ${!Y}" }],
    ["no placeholder $HOME", "no placeholder $HOME"],
    ["", ""],
  ])("%j", (input, expected) => {
    expect(escapeLiteralPlaceholders(input)).toEqual(expected);
  });

  it("escapes the literal parts of a join, such as the text around the preview's URL", () => {
    const value = { "Fn::Join": ["", ["sh -c 'echo $${HOME} ", { Ref: "BaseDomain" }, " ${X}'"]] };
    expect(escapeLiteralPlaceholders(value)).toEqual({
      "Fn::Join": ["", [{ "Fn::Sub": "sh -c 'echo $${!HOME} " }, { Ref: "BaseDomain" }, { "Fn::Sub": " ${!X}'" }]],
    });
  });

  it("walks arrays and objects but leaves intrinsic functions alone", () => {
    const template = {
      Task: { Properties: { Command: ["CMD-SHELL", "echo ${HOME}"], Env: [{ Name: "A", Value: { "Fn::Sub": "${AWS::Region}" } }], Ref: { Ref: "X" } } },
    };
    expect(escapeLiteralPlaceholders(template)).toEqual({
      Task: { Properties: { Command: ["CMD-SHELL", { "Fn::Sub": "echo ${!HOME}" }], Env: [{ Name: "A", Value: { "Fn::Sub": "${AWS::Region}" } }], Ref: { Ref: "X" } } },
    });
  });
});
