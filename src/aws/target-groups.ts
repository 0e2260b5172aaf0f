import { DescribeTargetGroupsCommand, type ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsCall } from "./aws-call.js";

/** How many target groups are attached to the load balancer (at most 100 per ALB, a fixed limit). */
export async function countTargetGroups(client: ElasticLoadBalancingV2Client, loadBalancerArn: string): Promise<number> {
  let count = 0;
  let marker: string | undefined;
  do {
    const page = await awsCall("DescribeTargetGroups", `target groups of ${loadBalancerArn}`, () =>
      client.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: loadBalancerArn, Marker: marker, PageSize: 400 })),
    );
    count += (page.TargetGroups ?? []).length;
    marker = page.NextMarker;
  } while (marker);
  return count;
}
