import { describe, expect, it } from "vitest";
import { getHandlerPermissions } from "../../src/iam/handler-permissions.js";
import { buildTemplate } from "../../src/stack/build-template.js";
import { releaseGateIds } from "../../src/stack/release-gate.js";
import { lintTemplate } from "../helpers/cfn-lint.js";
import { BASE, rails, TARGET } from "./fixtures/projects.js";
import { resource, type Json } from "./fixtures/template.js";

describe("the release gate of a rollout", () => {
  it("holds the services built from the repository behind a wait condition of one signal, and passes cfn-lint", async () => {
    const t = buildTemplate({ ...rails, target: TARGET, baseStack: BASE, gate: { id: "a1b2c3d", timeoutSeconds: 2100 } }).template;

    expect(resource(t, "ReleaseGateHandlea1b2c3d")).toEqual({ Type: "AWS::CloudFormation::WaitConditionHandle", Properties: {} });
    expect(resource(t, "ReleaseGatea1b2c3d")).toEqual({
      Type: "AWS::CloudFormation::WaitCondition",
      Properties: { Handle: { Ref: "ReleaseGateHandlea1b2c3d" }, Timeout: "2100", Count: 1 },
    });
    expect(resource(t, "WebService").DependsOn).toContain("ReleaseGatea1b2c3d");
    // The database the release steps need is not held.
    expect((resource(t, "DbService") as Json).DependsOn ?? []).not.toContain("ReleaseGatea1b2c3d");
    expect(await lintTemplate(t, "gated")).toEqual([]);
  });

  it("caps the timeout at CloudFormation's 12 hours and refuses an id that is no part of a logical id", () => {
    const t = buildTemplate({ ...rails, target: TARGET, baseStack: BASE, gate: { id: "x", timeoutSeconds: 100_000 } }).template;
    expect(resource(t, "ReleaseGatex").Properties.Timeout).toBe("43200");
    expect(() => releaseGateIds({ id: "a-b" })).toThrow('release gate id "a-b" is not 1-40 letters and digits');
  });

  it("needs no IAM action of berth's role: CloudFormation implements both types itself", () => {
    for (const type of ["AWS::CloudFormation::WaitConditionHandle", "AWS::CloudFormation::WaitCondition"]) {
      const p = getHandlerPermissions(type);
      expect([...p.create, ...p.read, ...p.update, ...p.delete]).toEqual([]);
      expect(p.tagging.taggable).toBe(false);
    }
  });
});
