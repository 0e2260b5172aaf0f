import { describe, expect, it } from "vitest";
import { lintTemplate } from "./cfn-lint.js";

describe("lintTemplate", () => {
  it("reports a template error (so a clean result means something)", async () => {
    const findings = await lintTemplate({
      Resources: { Bucket: { Type: "AWS::S3::Bucket", Properties: { NoSuchProperty: 1 } } },
    });
    expect(findings.join("\n")).toMatch(/NoSuchProperty/);
  });

  it("passes a valid template", async () => {
    expect(await lintTemplate({ Resources: { Topic: { Type: "AWS::SNS::Topic" } } })).toEqual([]);
  });
});
