import { describe, expect, it } from "vitest";
import { ListenerPriorityAllocator, isPriorityInUse } from "../../../src/preview/flow/listener-priority.js";
import type { LoadBalancerPort } from "../../../src/preview/ports.js";

const LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/berth/1/2";

function balancer(used: number[]): LoadBalancerPort & { used: number[] } {
  return {
    used,
    waitHealthy: async () => {},
    usedPriorities: async () => [...used],
    headroom: async () => Promise.reject(new Error("the allocator does not count headroom")),
    forwardedTo: async () => Promise.reject(new Error("the allocator reads no rule's target")),
  };
}

describe("ListenerPriorityAllocator", () => {
  it("takes the lowest priority the listener does not use", async () => {
    const allocator = new ListenerPriorityAllocator(balancer([1, 2, 4]));
    expect(await allocator.allocate(LISTENER)).toBe(3);
  });

  it("never hands out the same priority twice to concurrent deploys, before either rule exists", async () => {
    const allocator = new ListenerPriorityAllocator(balancer([1]));
    const got = await Promise.all(Array.from({ length: 5 }, () => allocator.allocate(LISTENER)));
    expect(got).toEqual([2, 3, 4, 5, 6]);
  });

  it("skips a priority another process took (rejected after PriorityInUse) until its reservation ends", async () => {
    let now = 0;
    const lb = balancer([]);
    const allocator = new ListenerPriorityAllocator(lb, { reserveMs: 1000, now: () => now });
    const first = await allocator.allocate(LISTENER);
    allocator.reject(first);
    expect(await allocator.allocate(LISTENER)).toBe(2);
    now = 5000;
    expect(await allocator.allocate(LISTENER)).toBe(1);
  });
});

describe("isPriorityInUse", () => {
  it.each([
    ["Priority '5' is currently in use (Service: ElasticLoadBalancingV2, Status Code: 400)", true],
    ["PriorityInUse: Priority 12 is in use", true],
    ["Resource handler returned message: \"Target group is in use\"", false],
    ["The maximum number of rules on load balancer has been reached", false],
  ])("%s -> %s", (message, expected) => {
    expect(isPriorityInUse(message)).toBe(expected);
  });
});
