import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { AwsCallError, HealthError } from "../preview/errors.js";
import type { LoadBalancerHeadroom, LoadBalancerPort, Signal } from "../preview/ports.js";
import { awsCall } from "./aws-call.js";
import { AwsPace } from "./aws-pace.js";
import { TYPICAL_MS } from "./expected-duration.js";
import { formatDuration, pollUntil, timing, type Cadence, type PollTiming } from "./poll.js";
import { loadBalancerOfListener } from "../util/load-balancer-arn.js";

export interface ElbV2Options {
  client: ElasticLoadBalancingV2Client;
  /** First delay between health polls; doubles up to `maxPollDelayMs`. Default 5 s (the previews' health check interval). */
  pollDelayMs?: number;
  /** Default four times `pollDelayMs`. */
  maxPollDelayMs?: number;
  /** Longest wait for a healthy target. Default 5 min. */
  timeoutMs?: number;
  /** Listener rules the account may have per load balancer, default rules not counted. AWS's default quota: 100. */
  ruleLimit?: number;
  /** AWS's pace as the other adapters measured it: a wait for targets just launched expects a launch at that pace. */
  pace?: AwsPace;
}

/** Target groups one Application Load Balancer can route to; AWS does not raise it. */
export const TARGET_GROUPS_PER_LOAD_BALANCER = 100;

/** LoadBalancerPort on Elastic Load Balancing v2. */
export class ElbV2 implements LoadBalancerPort {
  private readonly client: ElasticLoadBalancingV2Client;
  private readonly timing: PollTiming;
  private readonly ruleLimit: number;
  private readonly pace: AwsPace;

  constructor(options: ElbV2Options) {
    this.client = options.client;
    this.ruleLimit = options.ruleLimit ?? 100;
    this.pace = options.pace ?? new AwsPace();
    this.timing = timing(options.pollDelayMs ?? 5_000, options.timeoutMs ?? 5 * 60_000, options.maxPollDelayMs);
  }

  /**
   * Waits until any target of the group is `healthy`; on timeout names the last target's reason.
   * Targets that are `launching` cannot be healthy before a Fargate launch and two health checks:
   * the looks come at three fifths of that and at its end (at AWS's pace), then every `noticeMs`,
   * rather than backing off from the start and noticing the end up to one long delay late.
   */
  async waitHealthy(input: { targetGroupArn: string; signal?: Signal; launching?: boolean }): Promise<void> {
    const { targetGroupArn, signal } = input;
    // A first look at three fifths of the launch catches an AWS faster than the pace berth knows;
    // looks before the end are never further apart than the usual far delay (twelve poll delays).
    const early = Math.min(this.timing.farDelayMs ?? this.timing.delayMs * 12, this.pace.scale(TYPICAL_MS.serviceRollout * 0.6));
    const cadence: Cadence = input.launching
      ? { ...this.timing, expectedMs: () => this.pace.scale(TYPICAL_MS.serviceRollout), farDelayMs: early, checkAtOnce: false }
      : this.timing;
    let last: TargetHealthDescription[] = [];
    const healthy = await pollUntil(async () => {
      const out = await awsCall("DescribeTargetHealth", targetGroupArn, () =>
        this.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
      );
      last = out.TargetHealthDescriptions ?? [];
      return last.some((t) => t.TargetHealth?.State === "healthy") ? true : undefined;
    }, cadence, signal);
    if (healthy) return;

    const target = last.at(-1);
    const reason = target
      ? [target.TargetHealth?.State, target.TargetHealth?.Reason, target.TargetHealth?.Description].filter(Boolean).join(": ")
      : "no target registered";
    const where = target?.Target ? ` (target ${target.Target.Id}:${target.Target.Port})` : "";
    throw new HealthError(`wait healthy ${targetGroupArn}: ${reason}`, {
      targetGroupArn,
      reason,
      userMessage: `The preview did not pass the load balancer's health check within ${formatDuration(this.timing.timeoutMs)}${where}: ${reason}`,
    });
  }

  /** Priorities of the listener's rules (all pages), ascending; the default rule has none. */
  async usedPriorities(listenerArn: string): Promise<number[]> {
    const priorities: number[] = [];
    let marker: string | undefined;
    do {
      const out = await awsCall("DescribeRules", listenerArn, () =>
        this.client.send(new DescribeRulesCommand({ ListenerArn: listenerArn, Marker: marker })),
      );
      for (const rule of out.Rules ?? []) {
        const priority = Number(rule.Priority);
        if (rule.Priority !== "default" && Number.isInteger(priority)) priorities.push(priority);
      }
      marker = out.NextMarker;
    } while (marker);
    return priorities.sort((a, b) => a - b);
  }

  async forwardedTo(ruleArn: string): Promise<string | undefined> {
    let out;
    try {
      out = await awsCall("DescribeRules", ruleArn, () => this.client.send(new DescribeRulesCommand({ RuleArns: [ruleArn] })));
    } catch (error) {
      if (error instanceof AwsCallError && error.code === "RuleNotFoundException") return undefined;
      throw error;
    }
    const forward = out.Rules?.[0]?.Actions?.find((a) => a.Type === "forward");
    if (!forward) return undefined;
    // A weighted forward (ECS's blue/green leaves one at 100 and the other at 0) or a plain one.
    const groups = forward.ForwardConfig?.TargetGroups ?? [];
    const heaviest = [...groups].sort((a, b) => (b.Weight ?? 1) - (a.Weight ?? 1))[0]?.TargetGroupArn;
    return heaviest ?? forward.TargetGroupArn;
  }

  /**
   * The target group's VPC, target type and protocol, and each registered target's health state;
   * undefined when there is no such group (DescribeTargetGroups, DescribeTargetHealth).
   */
  async describeTargetGroup(targetGroupArn: string): Promise<{ vpcId?: string; targetType?: string; protocol?: string; targetStates: string[] } | undefined> {
    let group;
    try {
      const out = await awsCall("DescribeTargetGroups", targetGroupArn, () =>
        this.client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroupArn] })),
      );
      group = out.TargetGroups?.[0];
    } catch (error) {
      if (error instanceof AwsCallError && error.code === "TargetGroupNotFoundException") return undefined;
      throw error;
    }
    if (!group) return undefined;
    const health = await awsCall("DescribeTargetHealth", targetGroupArn, () =>
      this.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
    );
    return {
      ...(group.VpcId ? { vpcId: group.VpcId } : {}),
      ...(group.TargetType ? { targetType: group.TargetType } : {}),
      ...(group.Protocol ? { protocol: group.Protocol } : {}),
      targetStates: (health.TargetHealthDescriptions ?? []).map((t) => t.TargetHealth?.State ?? "unknown"),
    };
  }

  /** How many target groups the load balancer routes to (all pages); an ALB holds at most 100. */
  async countTargetGroups(loadBalancerArn: string): Promise<number> {
    let count = 0;
    let marker: string | undefined;
    do {
      const out = await awsCall("DescribeTargetGroups", loadBalancerArn, () =>
        this.client.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: loadBalancerArn, Marker: marker })),
      );
      count += out.TargetGroups?.length ?? 0;
      marker = out.NextMarker;
    } while (marker);
    return count;
  }

  /**
   * How full the listener's load balancer is: its listener rules (DescribeRules, the default rule
   * not counted) and the target groups it routes to (DescribeTargetGroups of the load balancer),
   * each with AWS's limit, read side by side. The load balancer is named in the listener's ARN
   * (`...:listener/app/<name>/<id>/<listener id>` belongs to `...:loadbalancer/app/<name>/<id>`);
   * an ARN not of that form is looked up with DescribeListeners.
   */
  async headroom(listenerArn: string): Promise<LoadBalancerHeadroom> {
    const groups = (async () => {
      const loadBalancerArn = loadBalancerOfListener(listenerArn) ?? (await this.findLoadBalancer(listenerArn));
      return { loadBalancerArn, count: await this.countTargetGroups(loadBalancerArn) };
    })();
    groups.catch(() => {});
    const rules = (await this.usedPriorities(listenerArn)).length;
    const { loadBalancerArn, count: targetGroups } = await groups;
    return {
      loadBalancerArn,
      rules: { used: rules, limit: this.ruleLimit },
      targetGroups: { used: targetGroups, limit: TARGET_GROUPS_PER_LOAD_BALANCER },
    };
  }

  private async findLoadBalancer(listenerArn: string): Promise<string> {
    const listeners = await awsCall("DescribeListeners", listenerArn, () =>
      this.client.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })),
    );
    return listeners.Listeners?.[0]?.LoadBalancerArn ?? "";
  }
}

