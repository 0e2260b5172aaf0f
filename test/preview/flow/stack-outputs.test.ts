import { describe, expect, it } from "vitest";
import { BerthError } from "../../../src/errors.js";
import { parsePairs, parsePreviewOutputs } from "../../../src/preview/flow/stack-outputs.js";

const OUTPUTS = {
  Url: "https://shop-pr-7-acme-d21b2c.preview.example.com",
  Hostname: "shop-pr-7-acme-d21b2c.preview.example.com",
  PublicServiceArn: "arn:aws:ecs:us-east-1:123456789012:service/berth-previews/web",
  ServiceArns: "web=arn:aws:ecs:us-east-1:123456789012:service/berth-previews/web,db=arn:aws:ecs:us-east-1:123456789012:service/berth-previews/db",
  StatefulServiceArns: "db=arn:aws:ecs:us-east-1:123456789012:service/berth-previews/db",
  ReleaseTaskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/berth-shop-pr-7-acme-d21b2c-release:3",
  ReleaseContainerName: "release",
  TargetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/b-1/1",
  TaskSubnets: "subnet-1, subnet-2",
  TaskSecurityGroups: "sg-1,sg-2",
  AssignPublicIp: "DISABLED",
  ServiceImages: "web=123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:abc",
  LogGroup: "/berth/previews",
  LogStreamPrefix: "shop-pr-7-acme-d21b2c",
};

describe("parsePreviewOutputs", () => {
  it("reads what the deploy flow needs", () => {
    expect(parsePreviewOutputs("berth-x", OUTPUTS)).toEqual({
      url: OUTPUTS.Url,
      hostname: OUTPUTS.Hostname,
      publicServiceArn: OUTPUTS.PublicServiceArn,
      services: { web: "arn:aws:ecs:us-east-1:123456789012:service/berth-previews/web", db: "arn:aws:ecs:us-east-1:123456789012:service/berth-previews/db" },
      statefulServices: { db: "arn:aws:ecs:us-east-1:123456789012:service/berth-previews/db" },
      releaseTaskDefinitionArn: OUTPUTS.ReleaseTaskDefinitionArn,
      releaseContainerName: "release",
      oneShotTaskDefinitions: {},
      targetGroupArn: OUTPUTS.TargetGroupArn,
      subnets: ["subnet-1", "subnet-2"],
      securityGroups: ["sg-1", "sg-2"],
      assignPublicIp: false,
      serviceImages: { web: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:abc" },
      logGroup: "/berth/previews",
      logStreamPrefix: "shop-pr-7-acme-d21b2c",
    });
  });

  it("treats the outputs a template leaves out when empty as empty", () => {
    const { StatefulServiceArns: _s, ServiceImages: _i, ...rest } = OUTPUTS;
    const parsed = parsePreviewOutputs("berth-x", rest);
    expect([parsed.statefulServices, parsed.serviceImages]).toEqual([{}, {}]);
  });

  it("names a missing output the flow needs", () => {
    const { TargetGroupArn: _t, ...rest } = OUTPUTS;
    expect(() => parsePreviewOutputs("berth-x", rest)).toThrow(BerthError);
    expect(() => parsePreviewOutputs("berth-x", rest)).toThrow("stack berth-x has no output TargetGroupArn");
  });
});

describe("parsePairs", () => {
  it.each([
    ["a=1,b=2", { a: "1", b: "2" }],
    ["img=repo:tag@sha256=x", { img: "repo:tag@sha256=x" }],
    ["", {}],
    [undefined, {}],
    ["=no-key,ok=1", { ok: "1" }],
  ])("%j", (text, expected) => {
    expect(parsePairs(text)).toEqual(expected);
  });
});
