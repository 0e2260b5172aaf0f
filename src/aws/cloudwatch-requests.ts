import { GetMetricDataCommand, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { RequestMetricsPort } from "../preview/ports.js";
import { awsCall } from "./aws-call.js";

const DAY_MS = 86_400_000;

/**
 * The period of a GetMetricData query starting at `start`: CloudWatch keeps 1-minute data points
 * for 15 days, 5-minute ones for 63 days and hourly ones for 455 days, and refuses a finer period
 * for an older start.
 */
export function metricPeriodSeconds(start: Date, now: Date): number {
  const age = now.getTime() - start.getTime();
  if (age <= 15 * DAY_MS) return 60;
  if (age <= 63 * DAY_MS) return 300;
  return 3600;
}

/**
 * The `TargetGroup` dimension's value: the end of the target group's ARN,
 * `targetgroup/<name>/<id>`, as the load balancer publishes it.
 */
export function targetGroupDimension(targetGroupArn: string): string {
  const at = targetGroupArn.indexOf(":targetgroup/");
  if (at < 0) throw new Error(`not a target group ARN: ${targetGroupArn}`);
  return targetGroupArn.slice(at + 1);
}

/** RequestMetricsPort on CloudWatch's GetMetricData. */
export class CloudWatchRequests implements RequestMetricsPort {
  private readonly client: CloudWatchClient;
  private readonly now: () => Date;

  constructor(options: { client: CloudWatchClient; now?: () => Date }) {
    this.client = options.client;
    this.now = options.now ?? (() => new Date());
  }

  async requestCount(input: { loadBalancer: string; targetGroupArn: string; start: Date; end: Date }): Promise<number> {
    const dimension = targetGroupDimension(input.targetGroupArn);
    const period = metricPeriodSeconds(input.start, this.now());
    let total = 0;
    let token: string | undefined;
    do {
      const out = await awsCall("GetMetricData", `requests to ${dimension}`, () =>
        this.client.send(
          new GetMetricDataCommand({
            StartTime: input.start,
            EndTime: input.end,
            NextToken: token,
            MetricDataQueries: [
              {
                Id: "requests",
                ReturnData: true,
                MetricStat: {
                  Metric: {
                    Namespace: "AWS/ApplicationELB",
                    MetricName: "RequestCount",
                    Dimensions: [
                      { Name: "TargetGroup", Value: dimension },
                      { Name: "LoadBalancer", Value: input.loadBalancer },
                    ],
                  },
                  Period: period,
                  Stat: "Sum",
                },
              },
            ],
          }),
        ),
      );
      for (const result of out.MetricDataResults ?? []) for (const value of result.Values ?? []) total += value;
      token = out.NextToken;
    } while (token);
    return total;
  }
}
