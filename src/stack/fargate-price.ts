/**
 * What a preview costs while it runs: AWS Fargate's on-demand prices (Linux, x86, per second with
 * a one-minute minimum) for the vCPU and memory of every task the preview keeps running. The
 * 20 GB of ephemeral storage each task gets is free; load balancer, logs and data transfer are
 * shared or usage-priced and left out.
 */

/** When the prices below were read from https://aws.amazon.com/fargate/pricing/. */
export const PRICES_AS_OF = "2026-12";

/** US dollars per vCPU-hour and per GB-hour, by region; a region not listed has no price shown. */
export const FARGATE_PRICES: Readonly<Record<string, { vcpuHour: number; gbHour: number }>> = {
  "us-east-1": { vcpuHour: 0.04048, gbHour: 0.004445 },
  "us-east-2": { vcpuHour: 0.04048, gbHour: 0.004445 },
  "us-west-2": { vcpuHour: 0.04048, gbHour: 0.004445 },
  "eu-west-1": { vcpuHour: 0.04048, gbHour: 0.004445 },
  "eu-central-1": { vcpuHour: 0.04656, gbHour: 0.00511 },
};

/** The Fargate capacity a preview keeps running: every ECS service's task size times its desired count. */
export interface PreviewSize {
  vcpu: number;
  gb: number;
  tasks: number;
}

interface TemplateLike {
  Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
}

/** Sums the running services of a rendered preview template (one-off release tasks are not counted). */
export function previewSize(template: object): PreviewSize {
  return sizeOf(template, () => true);
}

/**
 * What keeps running while the preview sleeps: the data services, which the template's
 * `StatefulServiceArns` output names (by `Ref`); the services built from the repository scale to zero.
 */
export function asleepSize(template: object): PreviewSize {
  const kept = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null) {
      const ref = (value as { Ref?: unknown }).Ref;
      if (typeof ref === "string") kept.add(ref);
      Object.values(value).forEach(walk);
    }
  };
  walk((template as { Outputs?: Record<string, { Value?: unknown }> }).Outputs?.StatefulServiceArns?.Value);
  return sizeOf(template, (id) => kept.has(id));
}

function sizeOf(template: object, counts: (logicalId: string) => boolean): PreviewSize {
  const resources = (template as TemplateLike).Resources ?? {};
  const size: PreviewSize = { vcpu: 0, gb: 0, tasks: 0 };
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== "AWS::ECS::Service" || !counts(id)) continue;
    const count = Number(resource.Properties?.DesiredCount ?? 1);
    const ref = (resource.Properties?.TaskDefinition as { Ref?: string } | undefined)?.Ref;
    const definition = ref === undefined ? undefined : resources[ref]?.Properties;
    if (!definition || !Number.isFinite(count)) continue;
    size.vcpu += (Number(definition.Cpu) / 1024) * count;
    size.gb += (Number(definition.Memory) / 1024) * count;
    size.tasks += count;
  }
  return size;
}

/** Dollars an hour for `size` in `region`, or undefined when berth ships no price for the region. */
export function hourlyPrice(size: PreviewSize, region: string): number | undefined {
  const price = FARGATE_PRICES[region];
  return price === undefined ? undefined : size.vcpu * price.vcpuHour + size.gb * price.gbHour;
}

/** One long-running service of a preview, as its compose file names it, with its Fargate size. */
export interface ServiceSize extends PreviewSize {
  name: string;
  /** It keeps running while the preview sleeps (a data service). */
  keptAsleep: boolean;
}

/**
 * Each running service of a rendered preview template with its size, named as the template's
 * `ServiceArns` output names it (`web`, `db`), by compose name.
 */
export function serviceSizes(template: object): ServiceSize[] {
  const outputs = (template as { Outputs?: Record<string, { Value?: unknown }> }).Outputs;
  const names = namedRefs(outputs?.ServiceArns?.Value);
  const kept = new Set(namedRefs(outputs?.StatefulServiceArns?.Value).values());
  return [...names].map(([id, name]) => ({ name, keptAsleep: kept.has(name), ...sizeOf(template, (logicalId) => logicalId === id) })).filter((s) => s.tasks > 0);
}

/** The `name=<Ref>` pairs of an output built with `Fn::Join`, as logical id -> name. */
function namedRefs(value: unknown): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== "object" || node === null) return;
    const join = (node as { "Fn::Join"?: unknown })["Fn::Join"];
    if (Array.isArray(join) && join[0] === "=" && Array.isArray(join[1])) {
      const [name, ref] = join[1] as unknown[];
      const id = (ref as { Ref?: unknown } | undefined)?.Ref;
      if (typeof name === "string" && typeof id === "string") found.set(id, name);
      return;
    }
    Object.values(node).forEach(walk);
  };
  walk(value);
  return found;
}
