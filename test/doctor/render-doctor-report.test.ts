import { describe, expect, it } from "vitest";
import { renderDoctorJson, renderDoctorReport } from "../../src/doctor/render-doctor-report.js";
import type { DoctorReport } from "../../src/doctor/run-doctor.js";

const report: DoctorReport = {
  ok: false,
  checks: [
    { id: "base-stack", status: "pass", title: "Base stack berth-base is UPDATE_COMPLETE with all 14 outputs" },
    {
      id: "bot-role",
      status: "fail",
      title: "Bot role arn:aws:iam::123456789012:role/berth-bot is denied 2 of 80 requests a preview makes",
      fix: "allow ecs:ListServiceDeployments, ec2:DescribeInstances in the bot's task role (deploy/bot.yml), then update the bot's stack",
      details: ["ecs:ListServiceDeployments on arn:aws:ecs:us-east-1:123456789012:service/c/s: implicitDeny", "ec2:DescribeInstances on *: implicitDeny"],
    },
    { id: "ecr-repositories", status: "skip", title: "ECR repositories", fix: "no ECR repository named: pass --image or --config", details: ["not checked: nginx:1.27 is not in a private ECR registry"] },
  ],
};

describe("renderDoctorReport", () => {
  it("prints ✓, ✗ with the fix and details, ○ with why, then the count", () => {
    expect(renderDoctorReport(report)).toMatchInlineSnapshot(`
      "✓ Base stack berth-base is UPDATE_COMPLETE with all 14 outputs
      ✗ Bot role arn:aws:iam::123456789012:role/berth-bot is denied 2 of 80 requests a preview makes
          fix: allow ecs:ListServiceDeployments, ec2:DescribeInstances in the bot's task role (deploy/bot.yml), then update the bot's stack
          - ecs:ListServiceDeployments on arn:aws:ecs:us-east-1:123456789012:service/c/s: implicitDeny
          - ec2:DescribeInstances on *: implicitDeny
      ○ ECR repositories: skipped (no ECR repository named: pass --image or --config)
          - not checked: nginx:1.27 is not in a private ECR registry

      1 of 3 checks failed (1 passed, 1 skipped).
      "
    `);
  });

  it("says all passed when nothing failed, skips included", () => {
    const passing: DoctorReport = { ok: true, checks: [report.checks[0]!, report.checks[2]!] };
    expect(renderDoctorReport(passing).split("\n").at(-2)).toBe("All checks passed (1 passed, 1 skipped).");
  });

  it("gives scripts the same report as JSON", () => {
    expect(JSON.parse(renderDoctorJson(report))).toEqual({ ok: false, checks: report.checks });
  });
});
