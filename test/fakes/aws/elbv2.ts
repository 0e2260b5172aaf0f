/**
 * Fake Elastic Load Balancing v2: target groups whose targets (the ECS services that use them)
 * turn healthy after some polls or stay unhealthy when scripted, and listener rules with
 * priorities unique per listener that forward to one target group or, through a `ForwardConfig`,
 * to several by weight (as ECS blue/green deployments shift them).
 */
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type CreateRuleCommandInput,
  type DeleteRuleCommandInput,
  type DescribeListenersCommandInput,
  type DescribeRulesCommandInput,
  type DescribeTargetGroupsCommandInput,
  type DescribeTargetHealthCommandInput,
  type Action,
  type Rule,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsError, type AnyStub, type World } from "./world.js";

/** What DescribeTargetHealth reports for a scripted target group. */
export interface TargetHealthScript {
  state: "initial" | "healthy" | "unhealthy" | "unused" | "draining" | "unavailable";
  reason?: string;
  description?: string;
}

export interface FakeTargetGroup {
  arn: string;
  name: string;
  port: number;
  /** Targets added by hand (besides the ECS services that point at the group). */
  targets: Array<{ id: string; port: number }>;
  polls: number;
  health?: TargetHealthScript;
  vpcId?: string;
  /** `ip` for Fargate tasks. */
  targetType?: string;
  protocol?: string;
  /** Its attributes as set (e.g. `deregistration_delay.timeout_seconds`); AWS's defaults for the rest. */
  attributes?: Record<string, string>;
}

/** AWS's default deregistration delay of a target group, in seconds. */
export const DEFAULT_DEREGISTRATION_DELAY_SECONDS = 300;

/** How long a target group drains a deregistered target: its attribute, else AWS's 300 s. */
export function deregistrationDelaySeconds(group: FakeTargetGroup | undefined): number {
  const value = group?.attributes?.["deregistration_delay.timeout_seconds"];
  return value === undefined ? DEFAULT_DEREGISTRATION_DELAY_SECONDS : Number(value);
}

/** A target group of a forward action and its weight (0-999; AWS routes to each in proportion). */
export interface WeightedTargetGroup {
  targetGroupArn: string;
  weight: number;
}

export interface FakeRule {
  arn: string;
  listenerArn: string;
  priority: number;
  /**
   * The target group that serves the rule's host: the only one it forwards to, or the heaviest of
   * its weighted ones (the first of equals), which the load balancer routes nearly all requests to.
   */
  targetGroupArn?: string;
  /** The forward action's target groups by weight, when it has a `ForwardConfig` with more than one. */
  weighted?: WeightedTargetGroup[];
}

/**
 * The target groups a rule's forward action sends to, with their weights, from the actions as the
 * API and CloudFormation spell them (`TargetGroupArn`, or `ForwardConfig.TargetGroups` whose
 * `Weight` defaults to 1); undefined when the rule does not forward.
 */
export function forwardTargets(actions: unknown): WeightedTargetGroup[] | undefined {
  const list = Array.isArray(actions) ? (actions as Array<{ Type?: string; TargetGroupArn?: unknown; ForwardConfig?: { TargetGroups?: Array<{ TargetGroupArn?: unknown; Weight?: unknown }> } }>) : [];
  const forward = list.find((a) => a.Type === "forward");
  if (!forward) return undefined;
  const groups = forward.ForwardConfig?.TargetGroups;
  if (groups && groups.length > 0) return groups.map((g) => ({ targetGroupArn: String(g.TargetGroupArn ?? ""), weight: g.Weight === undefined ? 1 : Number(g.Weight) }));
  return typeof forward.TargetGroupArn === "string" ? [{ targetGroupArn: forward.TargetGroupArn, weight: 1 }] : undefined;
}

/** The rule's forward fields for `targets`: the serving target group, and the weighted ones when there are several. */
function forwardFields(targets: WeightedTargetGroup[] | undefined): Pick<FakeRule, "targetGroupArn" | "weighted"> {
  if (!targets || targets.length === 0) return {};
  if (targets.length === 1) return { targetGroupArn: targets[0]!.targetGroupArn };
  const serving = targets.reduce((best, t) => (t.weight > best.weight ? t : best));
  return { targetGroupArn: serving.targetGroupArn, weighted: structuredClone(targets) };
}

/** AWS's limits per Application Load Balancer: rules (default quota, default rules not counted) and target groups (not adjustable). */
export const ALB_LIMITS = { rules: 100, targetGroups: 100 };

export class FakeElbV2 {
  readonly targetGroups = new Map<string, FakeTargetGroup>();
  readonly rules = new Map<string, FakeRule>();
  readonly listeners = new Set<string>();
  /** This account's limits; a test raises `rules` as a Service Quotas increase would. */
  readonly limits = { ...ALB_LIMITS };
  /** Health fixed for target groups whose ARN contains `match` (they may not exist yet). */
  readonly healthScripts: Array<{ match: string; health: TargetHealthScript }> = [];

  constructor(
    private readonly world: World,
    private readonly options: { healthPolls: number; rulesPageSize: number; targetsOf: (arn: string) => Array<{ port: number }> },
  ) {}

  install(mock: AnyStub): void {
    const w = this.world;
    w.on("elbv2", mock, DescribeTargetHealthCommand, (input: DescribeTargetHealthCommandInput) => this.describeTargetHealth(input));
    w.on("elbv2", mock, DescribeRulesCommand, (input: DescribeRulesCommandInput) => this.describeRules(input));
    w.on("elbv2", mock, DescribeListenersCommand, (input: DescribeListenersCommandInput) => this.describeListeners(input));
    w.on("elbv2", mock, DescribeTargetGroupsCommand, (input: DescribeTargetGroupsCommandInput) => this.describeTargetGroups(input));
    w.on("elbv2", mock, CreateRuleCommand, (input: CreateRuleCommandInput) => {
      const targets = forwardTargets(input.Actions);
      const refused = this.refusal(input.ListenerArn ?? "", undefined, targets?.map((t) => t.targetGroupArn));
      if (refused) throw awsError("elbv2", refused.code, refused.message);
      const rule = this.addRule(input.ListenerArn ?? "", input.Priority ?? 0, undefined, targets);
      return { Rules: [{ RuleArn: rule.arn, Priority: String(rule.priority), IsDefault: false }] };
    });
    w.on("elbv2", mock, DeleteRuleCommand, (input: DeleteRuleCommandInput) => {
      if (!this.rules.delete(input.RuleArn ?? "")) throw awsError("elbv2", "RuleNotFoundException", "One or more rules not found");
      return {};
    });
  }

  /** The message CloudFormation relays when a listener rule's priority is taken. */
  priorityInUse(priority: number): string {
    return `Priority '${priority}' is currently in use (Service: ElasticLoadBalancingV2, Status Code: 400, Request ID: ${this.world.uuid()})`;
  }

  isPriorityTaken(listenerArn: string, priority: number, exceptArn?: string): boolean {
    return [...this.rules.values()].some((r) => r.listenerArn === listenerArn && r.priority === priority && r.arn !== exceptArn);
  }

  /** The load balancer of a listener: `...:listener/app/<name>/<lb id>/<listener id>` -> `...:loadbalancer/app/<name>/<lb id>`. */
  loadBalancerOf(listenerArn: string): string {
    return listenerArn.replace(":listener/", ":loadbalancer/").split("/").slice(0, -1).join("/");
  }

  /** The target groups a load balancer routes to, through the rules of its listeners (a weighted rule's every group, weight 0 too, as AWS counts them). */
  routedTargetGroups(loadBalancerArn: string): Set<string> {
    const rules = [...this.rules.values()].filter((r) => this.loadBalancerOf(r.listenerArn) === loadBalancerArn);
    return new Set(rules.flatMap((r) => (r.weighted ? r.weighted.map((t) => t.targetGroupArn) : r.targetGroupArn ? [r.targetGroupArn] : [])));
  }

  /**
   * What AWS answers when a new rule (forwarding to `targetGroupArns`) would exceed the load
   * balancer's limits: TooManyRules, or TooManyTargetGroups past the 100th routed target group.
   */
  refusal(listenerArn: string, exceptArn: string | undefined, targetGroupArns: string[] | undefined): { code: string; message: string } | undefined {
    const lb = this.loadBalancerOf(listenerArn);
    if (exceptArn && this.rules.has(exceptArn)) return undefined;
    const rules = [...this.rules.values()].filter((r) => this.loadBalancerOf(r.listenerArn) === lb).length;
    if (rules >= this.limits.rules) return { code: "TooManyRulesException", message: `The maximum number of rules on load balancer ${lb} has been reached` };
    const routed = this.routedTargetGroups(lb);
    const added = (targetGroupArns ?? []).filter((arn) => !routed.has(arn));
    if (added.length > 0 && routed.size + added.length > this.limits.targetGroups) {
      return { code: "TooManyTargetGroupsException", message: `The maximum number of target groups per load balancer '${this.limits.targetGroups}' has been reached` };
    }
    return undefined;
  }

  /** Adds a rule that forwards to `forward`: one target group's ARN, or target groups by weight. */
  addRule(listenerArn: string, priority: number, arn?: string, forward?: string | WeightedTargetGroup[]): FakeRule {
    if (!this.listeners.has(listenerArn)) throw awsError("elbv2", "ListenerNotFoundException", "One or more listeners not found");
    if (this.isPriorityTaken(listenerArn, priority, arn)) throw awsError("elbv2", "PriorityInUseException", `Priority '${priority}' is currently in use`);
    const targets = typeof forward === "string" ? [{ targetGroupArn: forward, weight: 1 }] : forward;
    const rule: FakeRule = { arn: arn ?? this.ruleArn(listenerArn), listenerArn, priority, ...forwardFields(targets) };
    this.rules.set(rule.arn, rule);
    return rule;
  }

  /** Puts a rule as CloudFormation's handler leaves it: its listener, priority and forward action. */
  putRule(input: { arn: string; listenerArn: string; priority: number; forward: WeightedTargetGroup[] | undefined }): FakeRule {
    const rule: FakeRule = { arn: input.arn, listenerArn: input.listenerArn, priority: input.priority, ...forwardFields(input.forward) };
    this.rules.set(rule.arn, rule);
    return rule;
  }

  /** The forward action's target groups and weights of a rule (one group weighs 1); undefined for an unknown rule. */
  forwardOf(ruleArn: string): WeightedTargetGroup[] | undefined {
    const rule = this.rules.get(ruleArn);
    if (!rule) return undefined;
    return rule.weighted ? structuredClone(rule.weighted) : rule.targetGroupArn ? [{ targetGroupArn: rule.targetGroupArn, weight: 1 }] : [];
  }

  /** Sets the weights of a rule's weighted target groups, as ECS does when it shifts production traffic (ModifyRule). */
  setWeights(ruleArn: string, weights: Record<string, number>): void {
    const rule = this.rules.get(ruleArn);
    if (!rule?.weighted) throw new Error(`aws fake: listener rule ${ruleArn} forwards to no weighted target groups`);
    const next = rule.weighted.map((t) => ({ targetGroupArn: t.targetGroupArn, weight: weights[t.targetGroupArn] ?? t.weight }));
    Object.assign(rule, forwardFields(next));
  }

  ruleArn(listenerArn: string): string {
    return `${listenerArn.replace(":listener/", ":listener-rule/")}/${this.world.hex(16)}`;
  }

  addTargetGroup(input: {
    name: string;
    port: number;
    arn?: string;
    targets?: Array<{ id: string; port: number }>;
    vpcId?: string;
    targetType?: string;
    protocol?: string;
    health?: TargetHealthScript;
    attributes?: Record<string, string>;
  }): FakeTargetGroup {
    const arn = input.arn ?? this.world.arn("elasticloadbalancing", `targetgroup/${input.name}/${this.world.hex(16)}`);
    const existing = this.targetGroups.get(arn);
    const group: FakeTargetGroup = {
      arn,
      name: input.name,
      port: input.port,
      targets: input.targets ?? existing?.targets ?? [],
      polls: existing?.polls ?? 0,
      health: input.health ?? existing?.health,
      ...(input.vpcId === undefined ? {} : { vpcId: input.vpcId }),
      ...(input.targetType === undefined ? {} : { targetType: input.targetType }),
      ...(input.protocol === undefined ? {} : { protocol: input.protocol }),
      ...(input.attributes === undefined ? {} : { attributes: input.attributes }),
    };
    this.targetGroups.set(arn, group);
    return group;
  }

  private describeTargetHealth(input: DescribeTargetHealthCommandInput) {
    const group = this.targetGroups.get(input.TargetGroupArn ?? "");
    if (!group) throw awsError("elbv2", "TargetGroupNotFoundException", "One or more target groups not found");
    group.polls += 1;
    const targets = [...group.targets, ...this.options.targetsOf(group.arn).map((t, i) => ({ id: `10.0.${(i % 200) + 1}.${(group.polls % 200) + 10}`, port: t.port }))];
    const health: TargetHealthScript = group.health ?? this.healthScripts.findLast((h) => group.arn.includes(h.match))?.health ??
      (group.polls > this.options.healthPolls
        ? { state: "healthy" }
        : { state: "initial", reason: "Elb.InitialHealthChecking", description: "Initial health checks in progress" });
    const TargetHealthDescriptions: TargetHealthDescription[] = targets.map((t) => ({
      Target: { Id: t.id, Port: t.port },
      HealthCheckPort: String(t.port),
      TargetHealth: { State: health.state, Reason: health.reason as never, Description: health.description },
    }));
    return { TargetHealthDescriptions };
  }

  private describeListeners(input: DescribeListenersCommandInput) {
    const arns = input.ListenerArns ?? [];
    const missing = arns.filter((arn) => !this.listeners.has(arn));
    if (missing.length > 0) throw awsError("elbv2", "ListenerNotFoundException", "One or more listeners not found");
    return { Listeners: arns.map((arn) => ({ ListenerArn: arn, LoadBalancerArn: this.loadBalancerOf(arn), Port: 443, Protocol: "HTTPS" as const })) };
  }

  /** By ARN (every one must exist, as AWS answers); by load balancer: the groups it routes to (pages of 20, as the rules); otherwise every group. */
  private describeTargetGroups(input: DescribeTargetGroupsCommandInput) {
    if (input.TargetGroupArns !== undefined) {
      const groups = input.TargetGroupArns.map((arn) => this.targetGroups.get(arn));
      if (groups.some((g) => g === undefined)) throw awsError("elbv2", "TargetGroupNotFoundException", "One or more target groups not found");
      return { TargetGroups: groups.map((g) => this.targetGroupJson(g!, [])) };
    }
    const lb = input.LoadBalancerArn;
    if (lb !== undefined && ![...this.listeners].some((l) => this.loadBalancerOf(l) === lb)) {
      throw awsError("elbv2", "LoadBalancerNotFoundException", "One or more load balancers not found");
    }
    const arns = lb === undefined ? [...this.targetGroups.keys()] : [...this.routedTargetGroups(lb)];
    const size = input.PageSize ?? this.options.rulesPageSize;
    const start = Number(input.Marker ?? 0);
    const page = arns.slice(start, start + size).map((arn) => {
      const group = this.targetGroups.get(arn);
      return group ? this.targetGroupJson(group, lb === undefined ? [] : [lb]) : { TargetGroupArn: arn, TargetGroupName: arn.split("/").at(-2), LoadBalancerArns: lb === undefined ? [] : [lb] };
    });
    return { TargetGroups: page, NextMarker: start + size < arns.length ? String(start + size) : undefined };
  }

  private targetGroupJson(group: FakeTargetGroup, loadBalancerArns: string[]) {
    return {
      TargetGroupArn: group.arn,
      TargetGroupName: group.name,
      Port: group.port,
      ...(group.vpcId === undefined ? {} : { VpcId: group.vpcId }),
      ...(group.targetType === undefined ? {} : { TargetType: group.targetType as "ip" }),
      ...(group.protocol === undefined ? {} : { Protocol: group.protocol as "HTTP" }),
      LoadBalancerArns: loadBalancerArns,
    };
  }

  private describeRules(input: DescribeRulesCommandInput) {
    // By ARN (the API takes a listener or rule ARNs): every one must exist.
    if (input.RuleArns !== undefined) {
      if (input.ListenerArn !== undefined) throw awsError("elbv2", "ValidationError", "Listener ARN and rule ARNs cannot both be specified");
      const found = input.RuleArns.map((arn) => this.rules.get(arn));
      if (found.some((r) => r === undefined)) throw awsError("elbv2", "RuleNotFoundException", "One or more rules not found");
      return { Rules: found.map((r) => ({ RuleArn: r!.arn, Priority: String(r!.priority), IsDefault: false, Actions: ruleActions(r!) })) };
    }
    const listener = input.ListenerArn ?? "";
    if (!this.listeners.has(listener)) throw awsError("elbv2", "ListenerNotFoundException", "One or more listeners not found");
    const rules: Rule[] = [...this.rules.values()]
      .filter((r) => r.listenerArn === listener)
      .sort((a, b) => a.priority - b.priority)
      .map((r) => ({ RuleArn: r.arn, Priority: String(r.priority), IsDefault: false, Actions: ruleActions(r) }));
    // deploy/base.yml's listener answers what no rule matches with a 404.
    rules.push({
      RuleArn: `${listener.replace(":listener/", ":listener-rule/")}/default`,
      Priority: "default",
      IsDefault: true,
      Actions: [{ Type: "fixed-response", Order: 1, FixedResponseConfig: { StatusCode: "404", ContentType: "text/plain", MessageBody: "No preview here" } }],
    });
    const size = input.PageSize ?? this.options.rulesPageSize;
    const start = Number(input.Marker ?? 0);
    const page = rules.slice(start, start + size);
    return { Rules: page, NextMarker: start + size < rules.length ? String(start + size) : undefined };
  }
}

/**
 * A rule's actions as DescribeRules answers them: a forward action carries its `ForwardConfig`
 * with every target group's weight, and `TargetGroupArn` only when it forwards to one group.
 */
function ruleActions(rule: FakeRule): Action[] {
  const targets = rule.weighted ?? (rule.targetGroupArn ? [{ targetGroupArn: rule.targetGroupArn, weight: 1 }] : []);
  if (targets.length === 0) return [];
  return [{
    Type: "forward",
    Order: 1,
    ...(targets.length === 1 ? { TargetGroupArn: targets[0]!.targetGroupArn } : {}),
    ForwardConfig: {
      TargetGroups: targets.map((t) => ({ TargetGroupArn: t.targetGroupArn, Weight: t.weight })),
      TargetGroupStickinessConfig: { Enabled: false },
    },
  }];
}
