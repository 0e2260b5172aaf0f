/**
 * Fake CloudWatch metrics: the shared load balancer's `RequestCount` per target group, read with
 * GetMetricData as CloudWatch's API model describes it (query ids, periods, `Sum`, data points only
 * for periods that had requests, newest first).
 */
import { GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult } from "@aws-sdk/client-cloudwatch";
import { awsError, type AnyStub, type World } from "./world.js";

/** Requests the load balancer routed to one target group at one moment. */
interface RequestPoint {
  loadBalancer: string;
  /** The `TargetGroup` dimension: `targetgroup/<name>/<id>`. */
  targetGroup: string;
  at: number;
  count: number;
}

/** GetMetricData's rule for a query id: a lowercase letter first, then letters, digits and `_`. */
const QUERY_ID = /^[a-z][a-zA-Z0-9_]{0,254}$/;

export class FakeCloudWatch {
  readonly points: RequestPoint[] = [];

  constructor(private readonly world: World) {}

  install(mock: AnyStub): void {
    this.world.on("cloudwatch", mock, GetMetricDataCommand, (input: GetMetricDataCommandInput) => this.getMetricData(input));
  }

  /** The load balancer routed `count` requests to the target group (by ARN) at `at`. */
  recordRequests(input: { targetGroupArn: string; loadBalancer: string; at: Date; count?: number }): void {
    const targetGroup = input.targetGroupArn.slice(input.targetGroupArn.indexOf(":targetgroup/") + 1);
    this.points.push({ loadBalancer: input.loadBalancer, targetGroup, at: input.at.getTime(), count: input.count ?? 1 });
  }

  private getMetricData(input: GetMetricDataCommandInput) {
    const queries = input.MetricDataQueries ?? [];
    if (queries.length === 0 || queries.length > 500) throw invalid("The collection MetricDataQueries must not be empty and must contain at most 500 items.");
    if (!input.StartTime || !input.EndTime) throw invalid("The parameters StartTime and EndTime are required.");
    const start = new Date(input.StartTime).getTime();
    const end = new Date(input.EndTime).getTime();
    if (start >= end) throw invalid("The parameter StartTime must be less than the parameter EndTime.");
    const results: MetricDataResult[] = queries.map((query) => {
      if (!query.Id || !QUERY_ID.test(query.Id)) throw invalid(`The value ${query.Id ?? ""} for parameter MetricDataQueries.member.1.Id is not valid.`);
      const stat = query.MetricStat;
      if (!stat?.Metric || !stat.Period || !stat.Stat) throw invalid("MetricStat with Metric, Period and Stat is required for a query without Expression.");
      // The model allows 1, 5, 10, 20, 30 or a multiple of 60; a load balancer's metrics have a
      // one-minute resolution, so a shorter period finds no data point.
      if (![1, 5, 10, 20, 30].includes(stat.Period) && stat.Period % 60 !== 0) throw invalid("The parameter Period must be 1, 5, 10, 20, 30, or a multiple of 60.");
      const period = stat.Period * 1000;
      const dims = Object.fromEntries((stat.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
      // Each combination of dimensions is a metric of its own: only this exact pair has the counts.
      const matches = stat.Period >= 60 && stat.Metric.Namespace === "AWS/ApplicationELB" && stat.Metric.MetricName === "RequestCount" && Object.keys(dims).length === 2;
      const buckets = new Map<number, number>();
      for (const p of this.points) {
        if (!matches || p.targetGroup !== dims.TargetGroup || p.loadBalancer !== dims.LoadBalancer || p.at < start || p.at >= end) continue;
        const bucket = start + Math.floor((p.at - start) / period) * period;
        buckets.set(bucket, (buckets.get(bucket) ?? 0) + p.count);
      }
      const sorted = [...buckets.entries()].sort(([a], [b]) => (input.ScanBy === "TimestampAscending" ? a - b : b - a));
      if (stat.Stat !== "Sum" && stat.Stat !== "SampleCount") throw invalid("The fake answers Sum and SampleCount only.");
      return {
        Id: query.Id,
        Label: query.Label ?? stat.Metric.MetricName,
        Timestamps: sorted.map(([at]) => new Date(at)),
        Values: sorted.map(([, value]) => value),
        StatusCode: "Complete",
        Messages: [],
      };
    });
    return { MetricDataResults: results, Messages: [] };
  }
}

function invalid(message: string): Error {
  return awsError("cloudwatch", "InvalidParameterValue", message);
}
