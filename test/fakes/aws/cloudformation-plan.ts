/**
 * Template planning for the CloudFormation fake: a template, its parameters and the stack's
 * current resources become the resources with their physical ids, the outputs and the changes a
 * change set lists, refused where AWS refuses them (tag and property limits). Planning changes no
 * fake; executing a plan is the operations' part (cloudformation.ts).
 */
import type { Change, CreateChangeSetCommandInput, Output } from "@aws-sdk/client-cloudformation";
import { getHandlerPermissions, HANDLER_PERMISSIONS } from "../../../src/iam/handler-permissions.js";
import { resourceDependencies } from "../../../src/stack/resource-dependencies.js";
import type { FakeEcs } from "./ecs.js";
import type { FakeElbV2 } from "./elbv2.js";
import { resolve, TemplateError, type IntrinsicContext } from "./intrinsics.js";
import { awsError, type World } from "./world.js";

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
}

/** The parts of a template the fake reads. */
export interface Template {
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Resources?: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string; Export?: { Name: unknown }; Condition?: string }>;
}

/** A resource as the fake keeps it: its physical id and evaluated properties. */
export interface FakeResource {
  logicalId: string;
  type: string;
  physicalId: string;
  props: Record<string, unknown>;
  /** Names and numbers GetAtt and the other fakes need (service name, family, revision...). */
  meta: Record<string, string | number>;
  /**
   * The tags the resource carries: the stack's, which CloudFormation propagates to every resource
   * that takes tags, and its own `Tags`; undefined for a type that takes none.
   */
  tags?: Record<string, string>;
}

/** A template evaluated against parameters, imports and the stack's current resources. */
export interface Plan {
  templateBody: string;
  parameters: Record<string, string>;
  tags: Record<string, string>;
  resources: Map<string, FakeResource>;
  outputs: Output[];
  changes: Change[];
  /** Export names the template imports: CloudFormation refuses to change them while this stack lives. */
  imports: string[];
}

/** What planning reads of the other fakes: the world's ids, ECS's and ELB's id makers, the exports stacks published. */
export interface PlanContext {
  world: World;
  ecs: Pick<FakeEcs, "nextRevision">;
  elb: Pick<FakeElbV2, "ruleArn">;
  exports: ReadonlyMap<string, { value: string }>;
}

/** A template to evaluate for a stack, with its parameters' values and the stack's tags. */
export interface PlanRequest {
  stack: { name: string; stackId: string; current?: Plan };
  template: Template;
  body: string;
  parameters: Record<string, string>;
  tags: Record<string, string>;
}

/** The values of a template's parameters: given, the previous value (UsePreviousValue) or the default; unknown or missing ones refused as AWS refuses them. */
export function planParameters(template: Template, input: CreateChangeSetCommandInput, current: Plan | undefined): Record<string, string> {
  const declared = template.Parameters ?? {};
  const given = new Map((input.Parameters ?? []).map((p) => [p.ParameterKey ?? "", p]));
  const unknown = [...given.keys()].filter((k) => !(k in declared));
  if (unknown.length > 0) throw awsError("cloudformation", "ValidationError", `Parameters: [${unknown.join(", ")}] do not exist in the template`);
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const [key, spec] of Object.entries(declared)) {
    const p = given.get(key);
    const value = p?.UsePreviousValue ? current?.parameters[key] : (p?.ParameterValue ?? (spec.Default === undefined ? undefined : String(spec.Default)));
    if (value === undefined) missing.push(key);
    else values[key] = value;
  }
  if (missing.length > 0) throw awsError("cloudformation", "ValidationError", `Parameters: [${missing.join(", ")}] must have values`);
  return values;
}

/** Evaluates the template: physical ids (kept for unchanged resources), properties, outputs and changes. */
export function planTemplate(context: PlanContext, { stack, template, body, parameters, tags }: PlanRequest): Plan {
  const defs = template.Resources ?? {};
  const previous = stack.current?.resources ?? new Map<string, FakeResource>();
  const props = new Map<string, Record<string, unknown>>();
  const ids = new Map<string, FakeResource>();
  const resolving = new Set<string>();
  const conditions: Record<string, boolean> = {};
  const imports = new Set<string>();
  const w = context.world;
  const ecs = context.ecs;

  const ctx: IntrinsicContext = {
    region: w.region,
    account: w.account,
    stackName: stack.name,
    stackId: stack.stackId,
    parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => {
      const type = template.Parameters?.[k]?.Type ?? "String";
      return [k, type === "CommaDelimitedList" || type.startsWith("List<") ? v.split(",") : v];
    })),
    conditions,
    isResource: (id) => id in defs && included(id),
    ref: (id) => resource(id).physicalId,
    getAtt: (id, attr) => getAtt(resource(id), attr),
    importValue: (name) => {
      imports.add(name);
      return context.exports.get(name)?.value;
    },
  };
  for (const [name, expr] of Object.entries(template.Conditions ?? {})) conditions[name] = resolve(expr, ctx) === true;

  function included(id: string): boolean {
    const condition = defs[id]?.Condition;
    return condition === undefined || conditions[condition] === true;
  }

  function propsOf(id: string): Record<string, unknown> {
    const known = props.get(id);
    if (known) return known;
    const value = resolve(defs[id]?.Properties ?? {}, ctx) as Record<string, unknown>;
    props.set(id, value);
    return value;
  }

  const resource = (id: string): FakeResource => {
    const known = ids.get(id);
    if (known) return known;
    if (resolving.has(id)) throw new TemplateError(`Circular dependency between resources: [${[...resolving].join(", ")}]`);
    resolving.add(id);
    const type = defs[id]?.Type ?? "";
    const p = propsOf(id);
    const before = previous.get(id)?.type === type ? previous.get(id) : undefined;
    const unchanged = before !== undefined && JSON.stringify(before.props) === JSON.stringify(p);
    const meta: Record<string, string | number> = {};
    let physicalId: string;
    switch (type) {
      case "AWS::ECS::TaskDefinition": {
        const family = String(p.Family ?? `${stack.name}${id}`);
        const revision = unchanged ? Number(before.meta.revision) : ecs.nextRevision(family);
        Object.assign(meta, { family, revision });
        physicalId = w.arn("ecs", `task-definition/${family}:${revision}`);
        break;
      }
      case "AWS::ECS::Service": {
        const cluster = String(p.Cluster ?? "default").split("/").at(-1) ?? "default";
        const name = String(p.ServiceName ?? before?.meta.name ?? `${stack.name}-${id}-${w.hex(12)}`);
        Object.assign(meta, { name, cluster });
        physicalId = w.arn("ecs", `service/${cluster}/${name}`);
        break;
      }
      case "AWS::ElasticLoadBalancingV2::TargetGroup": {
        const name = String(p.Name ?? before?.meta.name ?? `${id.slice(0, 19)}-${w.hex(12)}`);
        meta.name = name;
        physicalId = before?.meta.name === name ? before.physicalId : w.arn("elasticloadbalancing", `targetgroup/${name}/${w.hex(16)}`);
        break;
      }
      case "AWS::ElasticLoadBalancingV2::ListenerRule":
        physicalId = before?.physicalId ?? context.elb.ruleArn(String(p.ListenerArn ?? ""));
        break;
      case "AWS::EC2::SecurityGroup":
        physicalId = before?.physicalId ?? `sg-${w.hex(17)}`;
        break;
      case "AWS::EC2::SecurityGroupIngress":
        physicalId = before?.physicalId ?? `sgr-${w.hex(17)}`;
        break;
      case "AWS::ServiceDiscovery::Service":
        physicalId = before?.physicalId ?? `srv-${w.hex(16)}`;
        break;
      case "AWS::CloudFormation::WaitConditionHandle": {
        // A presigned S3 URL, as CloudFormation hands out (the signature is what authorizes a signal).
        const key = encodeURIComponent(`${stack.stackId}/${id}`);
        physicalId = before?.physicalId ??
          `https://cloudformation-waitcondition-${w.region}.s3.amazonaws.com/${key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261203T000000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=86399&X-Amz-Credential=AKIAFAKE%2F20261203%2F${w.region}%2Fs3%2Faws4_request&X-Amz-Signature=${w.hex(64)}`;
        break;
      }
      case "AWS::Logs::LogGroup":
        physicalId = String(p.LogGroupName ?? before?.physicalId ?? `${stack.name}-${id}-${w.hex(12).toUpperCase()}`);
        break;
      default:
        physicalId = before?.physicalId ?? `${stack.name}-${id}-${w.hex(12).toUpperCase()}`;
    }
    const r: FakeResource = { logicalId: id, type, physicalId, props: p, meta, ...tagsOf(type, p, tags) };
    ids.set(id, r);
    resolving.delete(id);
    return r;
  };

  const getAtt = (r: FakeResource, attr: string): unknown => {
    const arnOf = (service: string, path: string) => w.arn(service, path);
    switch (`${r.type}.${attr}`) {
      case "AWS::ECS::Service.Name":
        return r.meta.name;
      case "AWS::ECS::Service.ServiceArn":
      case "AWS::ECS::TaskDefinition.TaskDefinitionArn":
      case "AWS::ElasticLoadBalancingV2::TargetGroup.TargetGroupArn":
      case "AWS::ElasticLoadBalancingV2::ListenerRule.RuleArn":
      case "AWS::EC2::SecurityGroup.GroupId":
      case "AWS::ServiceDiscovery::Service.Id":
        return r.physicalId;
      case "AWS::ElasticLoadBalancingV2::TargetGroup.TargetGroupName":
        return r.meta.name;
      case "AWS::ElasticLoadBalancingV2::TargetGroup.TargetGroupFullName":
        return r.physicalId.split(":").at(-1);
      case "AWS::ElasticLoadBalancingV2::TargetGroup.LoadBalancerArns":
        return [];
      case "AWS::EC2::SecurityGroup.VpcId":
        return r.props.VpcId;
      case "AWS::ServiceDiscovery::Service.Arn":
        return arnOf("servicediscovery", `service/${r.physicalId}`);
      case "AWS::ServiceDiscovery::Service.Name":
        return r.props.Name;
      case "AWS::Logs::LogGroup.Arn":
        return arnOf("logs", `log-group:${r.physicalId}:*`);
      default:
        return `${r.physicalId}|${attr}`;
    }
  };

  const resources = new Map<string, FakeResource>();
  for (const id of Object.keys(defs)) if (included(id)) resources.set(id, resource(id));
  for (const r of resources.values()) {
    const problem = propertyLimitProblem(r, tags);
    if (problem) throw new TemplateError(`Properties validation failed for resource ${r.logicalId} with message: ${problem}`);
  }
  const outputs: Output[] = [];
  for (const [key, out] of Object.entries(template.Outputs ?? {})) {
    if (out.Condition !== undefined && conditions[out.Condition] !== true) continue;
    const value = resolve(out.Value, ctx);
    outputs.push({
      OutputKey: key,
      OutputValue: Array.isArray(value) ? value.join(",") : String(value),
      Description: out.Description,
      ExportName: out.Export ? String(resolve(out.Export.Name, ctx)) : undefined,
    });
  }
  const changes: Change[] = [];
  for (const r of resources.values()) {
    const before = previous.get(r.logicalId);
    const sameProps = before !== undefined && before.physicalId === r.physicalId && JSON.stringify(before.props) === JSON.stringify(r.props);
    if (sameProps && JSON.stringify(before.tags) === JSON.stringify(r.tags)) continue;
    if (sameProps) {
      // Only the tags changed (the stack's, propagated): retagged in place, as every type of a
      // preview template allows (test/stack/tags-updatable.test.ts). AWS would replace a type
      // whose tags are create-only; the fake does not model that.
      if (!taggingOf(r.type).tagUpdatable) throw new Error(`fake CloudFormation: a tag change would replace ${r.logicalId} (${r.type}); not modelled`);
      changes.push(change("Modify", r, false, ["Tags"]));
      continue;
    }
    changes.push(change(before ? "Modify" : "Add", r, before !== undefined && before.physicalId !== r.physicalId));
  }
  for (const before of previous.values()) if (!resources.has(before.logicalId)) changes.push(change("Remove", before, false));
  return { templateBody: body, parameters, tags, resources, outputs, changes, imports: [...imports] };
}

/**
 * The resources of a template that depend on `target`, directly or through others: by DependsOn,
 * Ref or Fn::GetAtt (Fn::Sub's references are not followed).
 */
export function heldBy(templateBody: string, target: string): Set<string> {
  const resources = (JSON.parse(templateBody) as { Resources?: Record<string, { DependsOn?: string | string[]; Properties?: unknown }> }).Resources ?? {};
  const direct = new Map<string, Set<string>>();
  for (const [id, r] of Object.entries(resources)) direct.set(id, new Set(resourceDependencies(r)));
  const held = new Set<string>();
  const holds = (id: string, path: Set<string>): boolean => {
    if (held.has(id)) return true;
    if (path.has(id)) return false;
    path.add(id);
    const found = [...(direct.get(id) ?? [])].some((d) => d === target || holds(d, path));
    path.delete(id);
    if (found) held.add(id);
    return found;
  };
  for (const id of Object.keys(resources)) holds(id, new Set());
  return held;
}

/** CloudFormation's and the resource services' tag limits: 50 per resource, keys 1-128 characters, values up to 256, no `aws:` keys. */
export const TAG_LIMITS = { count: 50, key: 128, value: 256 } as const;

export function tagLimitProblem(tags: Record<string, string>): string | undefined {
  const keys = Object.keys(tags);
  if (keys.length > TAG_LIMITS.count) return `${keys.length} tags, more than the ${TAG_LIMITS.count} a resource takes`;
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > TAG_LIMITS.key) return `tag key "${key.slice(0, 40)}..." has ${key.length} characters; a key has 1 to ${TAG_LIMITS.key}`;
    if (value.length > TAG_LIMITS.value) return `the value of tag ${key} has ${value.length} characters, more than ${TAG_LIMITS.value}`;
    if (key.toLowerCase().startsWith("aws:")) return `tag key ${key}: the aws: prefix is reserved for AWS`;
  }
  return undefined;
}

/** What AWS refuses in a resource's properties before it creates anything: its tags (with the stack's, which CloudFormation adds) and a host-header value over 128 characters. */
function propertyLimitProblem(r: FakeResource, stackTags: Record<string, string>): string | undefined {
  const own = Array.isArray(r.props.Tags) ? (r.props.Tags as Array<{ Key?: unknown; Value?: unknown }>) : [];
  const tags = { ...stackTags, ...Object.fromEntries(own.map((t) => [String(t.Key ?? ""), String(t.Value ?? "")])) };
  const tagProblem = own.length > 0 || Object.keys(stackTags).length > 0 ? tagLimitProblem(tags) : undefined;
  if (tagProblem) return `#/Tags: ${tagProblem}`;
  if (r.type === "AWS::ElasticLoadBalancingV2::ListenerRule") {
    const conditions = Array.isArray(r.props.Conditions) ? (r.props.Conditions as Array<Record<string, unknown>>) : [];
    for (const [i, c] of conditions.entries()) {
      if (c.Field !== "host-header") continue;
      const values = ((c.HostHeaderConfig as { Values?: unknown[] } | undefined)?.Values ?? c.Values ?? []) as unknown[];
      for (const [j, v] of values.entries()) {
        if (String(v).length > 128) return `#/Conditions/${i}/HostHeaderConfig/Values/${j}: expected maxLength: 128, actual: ${String(v).length}`;
      }
    }
  }
  return undefined;
}

function change(action: "Add" | "Modify" | "Remove", r: FakeResource, replace: boolean, scope: Array<"Properties" | "Tags"> = ["Properties"]): Change {
  return {
    Type: "Resource",
    ResourceChange: {
      Action: action,
      LogicalResourceId: r.logicalId,
      PhysicalResourceId: action === "Add" ? undefined : r.physicalId,
      ResourceType: r.type,
      Replacement: action === "Modify" ? (replace ? "True" : "False") : undefined,
      Scope: action === "Modify" ? scope : undefined,
    },
  };
}

/** Tagging facts of a resource type (from its resource schema); types berth has none for count as taking no tags. */
function taggingOf(type: string): { taggable: boolean; tagUpdatable: boolean } {
  if (type !== "AWS::ServiceDiscovery::Service" && HANDLER_PERMISSIONS[type] === undefined) return { taggable: false, tagUpdatable: false };
  return getHandlerPermissions(type).tagging;
}

/** The tags a resource gets: the stack's and its own `Tags` (own ones win), if its type takes tags. */
function tagsOf(type: string, props: Record<string, unknown>, stackTags: Record<string, string>): { tags?: Record<string, string> } {
  if (!taggingOf(type).taggable) return {};
  const own = Array.isArray(props.Tags) ? (props.Tags as Array<{ Key?: unknown; Value?: unknown }>) : [];
  return { tags: { ...stackTags, ...Object.fromEntries(own.map((t) => [String(t.Key ?? ""), String(t.Value ?? "")])) } };
}
