import { describe, expect, it } from "vitest";
import { buildTemplate } from "../../src/stack/build-template.js";
import { asleepSize, FARGATE_PRICES, hourlyPrice, previewSize } from "../../src/stack/fargate-price.js";
import { previewCost } from "../../src/preview/flow/preview-cost.js";
import { BASE, django, node, rails, TARGET } from "./fixtures/projects.js";

const LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/berth-base-alb/50dc6c495c0c9188/f2f7dc8efc522ab2";

describe("what a preview costs on Fargate", () => {
  it("sums the running services of the Rails example (web and Postgres, 0.25 vCPU and 0.5 GB each) and leaves the release task out", () => {
    const { template } = buildTemplate({ ...rails, target: TARGET, baseStack: BASE });
    expect(previewSize(template)).toEqual({ vcpu: 0.5, gb: 1, tasks: 2 });
    // 0.5 × 0.04048 + 1 × 0.004445
    expect(hourlyPrice(previewSize(template), "us-east-1")).toBeCloseTo(0.024685, 6);
  });

  it("prices nginx, Django and Postgres in eu-central-1 at that region's prices", () => {
    const { template } = buildTemplate({ ...django, target: TARGET, baseStack: BASE });
    const size = previewSize(template);
    expect(size.tasks).toBe(3);
    expect(hourlyPrice(size, "eu-central-1")).toBeCloseTo(size.vcpu * 0.04656 + size.gb * 0.00511, 6);
  });

  it("shows no price for a region berth has no prices for", () => {
    expect(hourlyPrice({ vcpu: 1, gb: 2, tasks: 1 }, "ap-south-2")).toBeUndefined();
    expect(Object.keys(FARGATE_PRICES)).not.toContain("ap-south-2");
  });

  it("counts the cost so far from the stack's creation, at today's size", () => {
    const { template } = buildTemplate({ ...rails, target: TARGET, baseStack: BASE });
    const cost = previewCost({ template, baseOutputs: { ListenerArn: LISTENER }, createdAt: new Date("2026-12-01T00:00:00Z"), now: new Date("2026-12-03T00:00:00Z") });
    expect(cost).toEqual({ perHour: expect.closeTo(0.024685, 6), vcpu: 0.5, gb: 1, region: "us-east-1", pricesAsOf: "2026-12", soFar: expect.closeTo(0.024685 * 48, 6) });
  });

  // The README's "Sleep and expiry" table: what a sleeping preview costs, its data services alone.
  it.each([
    ["rails-postgres", rails, { vcpu: 0.25, gb: 0.5, tasks: 1 }, 0.0123, 8.89],
    ["django-nginx-postgres", django, { vcpu: 0.25, gb: 0.5, tasks: 1 }, 0.0123, 8.89],
    ["node-mysql-redis", node, { vcpu: 1, gb: 2, tasks: 2 }, 0.0494, 35.55],
  ])("keeps only the data services running asleep: %s", (_name, example, size, perHour, month) => {
    const { template } = buildTemplate({ ...example, target: TARGET, baseStack: BASE });
    expect(asleepSize(template)).toEqual(size);
    const price = hourlyPrice(asleepSize(template), "us-east-1")!;
    expect(price.toFixed(4)).toBe(perHour.toFixed(4));
    expect((price * 24 * 30).toFixed(2)).toBe(month.toFixed(2));
  });
});
