import { afterEach, describe, expect, it } from "vitest";
import { CloudWatchRequests, metricPeriodSeconds, targetGroupDimension } from "../../src/aws/cloudwatch-requests.js";
import { BASE_OUTPUTS, createAwsFake, type AwsFake } from "../fakes/aws-fake.js";

const TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/berth-pr-0a1b2c3d4e5f6a7b8c9d0e1f/73e2d6bc24d8a067";
const NOW = new Date("2026-12-03T12:00:00Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

let fake: AwsFake;
afterEach(() => fake.restore());

describe("CloudWatchRequests", () => {
  it("sums the load balancer's RequestCount for the target group over the window, and only that", async () => {
    fake = createAwsFake();
    const requests = new CloudWatchRequests({ client: fake.clients.cloudwatch, now: () => NOW });
    const lb = BASE_OUTPUTS.LoadBalancerFullName;
    fake.state.cloudwatch.recordRequests({ targetGroupArn: TG, loadBalancer: lb, at: minutesAgo(10), count: 3 });
    fake.state.cloudwatch.recordRequests({ targetGroupArn: TG, loadBalancer: lb, at: minutesAgo(40), count: 5 });
    fake.state.cloudwatch.recordRequests({ targetGroupArn: TG.replace("73e2", "ffff"), loadBalancer: lb, at: minutesAgo(5), count: 7 });

    await expect(requests.requestCount({ loadBalancer: lb, targetGroupArn: TG, start: minutesAgo(30), end: NOW })).resolves.toBe(3);
    await expect(requests.requestCount({ loadBalancer: lb, targetGroupArn: TG, start: minutesAgo(60), end: NOW })).resolves.toBe(8);
    await expect(requests.requestCount({ loadBalancer: lb, targetGroupArn: TG, start: minutesAgo(8), end: NOW })).resolves.toBe(0);

    const [call] = fake.calls.filter((c) => c.command === "GetMetricData");
    expect(call?.input.MetricDataQueries).toEqual([
      {
        Id: "requests",
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: "AWS/ApplicationELB",
            MetricName: "RequestCount",
            Dimensions: [
              { Name: "TargetGroup", Value: "targetgroup/berth-pr-0a1b2c3d4e5f6a7b8c9d0e1f/73e2d6bc24d8a067" },
              { Name: "LoadBalancer", Value: "app/berth-base-alb/50dc6c495c0c9188" },
            ],
          },
          Period: 60,
          Stat: "Sum",
        },
      },
    ]);
  });

  it.each([
    ["an hour back: one-minute points", 60 * 60_000, 60],
    ["20 days back: five-minute points", 20 * 86_400_000, 300],
    ["100 days back: hourly points", 100 * 86_400_000, 3600],
  ])("asks for a period CloudWatch still keeps: %s", (_name, back, period) => {
    expect(metricPeriodSeconds(new Date(NOW.getTime() - back), NOW)).toBe(period);
  });

  it("refuses what is not a target group ARN, naming it", () => {
    expect(() => targetGroupDimension("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1")).toThrow(
      "not a target group ARN: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1",
    );
  });
});
