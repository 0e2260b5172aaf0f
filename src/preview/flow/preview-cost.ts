import { baseLocation } from "../../stack/base-stack.js";
import { hourlyPrice, previewSize, PRICES_AS_OF } from "../../stack/fargate-price.js";
import type { PreviewCost } from "../report/index.js";

/**
 * The price the sticky comment shows for a deployed preview: its running services' Fargate size
 * in the base stack's region at the prices berth ships, and what that has cost since the stack was
 * created (at today's size). Undefined where berth ships no price for the region.
 */
export function previewCost(input: { template: object; baseOutputs: Record<string, string>; createdAt?: Date | undefined; now: Date }): PreviewCost | undefined {
  const region = baseLocation(input.baseOutputs)?.region;
  if (region === undefined) return undefined;
  const size = previewSize(input.template);
  const perHour = hourlyPrice(size, region);
  if (perHour === undefined || size.tasks === 0) return undefined;
  const hours = input.createdAt === undefined ? undefined : Math.max(0, input.now.getTime() - input.createdAt.getTime()) / 3_600_000;
  return { perHour, vcpu: size.vcpu, gb: size.gb, region, pricesAsOf: PRICES_AS_OF, ...(hours === undefined ? {} : { soFar: perHour * hours }) };
}
