import { describe, expect, it } from "vitest";
import { resolve, TemplateError, type IntrinsicContext } from "./aws/intrinsics.js";

const ctx: IntrinsicContext = {
  region: "us-east-1",
  account: "123456789012",
  stackName: "berth-shop",
  stackId: "arn:aws:cloudformation:us-east-1:123456789012:stack/berth-shop/1",
  parameters: { BaseStackName: "berth-base", Subnets: ["subnet-a", "subnet-b"], Env: "prod" },
  conditions: { IsProd: true },
  isResource: (id) => id === "Web" || id === "Sg",
  ref: (id) => `${id}-physical`,
  getAtt: (id, attr) => `${id}.${attr}-value`,
  importValue: (name) => (name === "berth-base-Domain" ? "preview.example.com" : name === "berth-base-Subnets" ? "subnet-1,subnet-2" : undefined),
};

describe("resolve", () => {
  it.each([
    ["Ref to a parameter", { Ref: "BaseStackName" }, "berth-base"],
    ["Ref to a list parameter", { Ref: "Subnets" }, ["subnet-a", "subnet-b"]],
    ["Ref to a resource", { Ref: "Web" }, "Web-physical"],
    ["Ref to a pseudo parameter", { Ref: "AWS::Region" }, "us-east-1"],
    ["GetAtt as a list", { "Fn::GetAtt": ["Sg", "GroupId"] }, "Sg.GroupId-value"],
    ["GetAtt as a string", { "Fn::GetAtt": "Web.Name" }, "Web.Name-value"],
    ["ImportValue of a Sub", { "Fn::ImportValue": { "Fn::Sub": "${BaseStackName}-Domain" } }, "preview.example.com"],
    ["Sub with attributes, variables and literals", { "Fn::Sub": ["${Web.Name}/${X}/${!Literal}/${AWS::AccountId}", { X: { Ref: "Sg" } }] }, "Web.Name-value/Sg-physical/${Literal}/123456789012"],
    ["Join of a Split", { "Fn::Join": [";", { "Fn::Split": [",", { "Fn::ImportValue": "berth-base-Subnets" }] }] }, "subnet-1;subnet-2"],
    ["Select", { "Fn::Select": [1, { Ref: "Subnets" }] }, "subnet-b"],
    ["If on a condition", { "Fn::If": ["IsProd", "big", "small"] }, "big"],
    ["Equals", { "Fn::Equals": [{ Ref: "Env" }, "prod"] }, true],
    ["NoValue drops a key", { A: 1, B: { Ref: "AWS::NoValue" } }, { A: 1 }],
    ["NoValue drops a list item", ["a", { "Fn::If": ["IsProd", { Ref: "AWS::NoValue" }, "b"] }], ["a"]],
    ["nested plain objects", { Outer: { Inner: [{ Ref: "Web" }] } }, { Outer: { Inner: ["Web-physical"] } }],
  ])("%s", (_, input, expected) => {
    expect(resolve(input, ctx)).toEqual(expected);
  });

  it.each([
    [{ Ref: "Nope" }, "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template"],
    [{ "Fn::ImportValue": "berth-base-Nope" }, "No export named berth-base-Nope found"],
    [{ "Fn::GetAtt": ["Nope", "Arn"] }, "Template error: instance of Fn::GetAtt references undefined resource Nope"],
    [{ "Fn::Select": [5, { Ref: "Subnets" }] }, "Template error: Fn::Select index 5 out of bounds"],
    [{ "Fn::Bogus": 1 }, "Template format error: Unrecognized function Fn::Bogus"],
  ])("%j fails like CloudFormation", (input, message) => {
    expect(() => resolve(input, ctx)).toThrow(new TemplateError(message));
  });
});
