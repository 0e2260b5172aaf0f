import { describe, expect, it } from "vitest";
import { loadBalancerOfListener } from "../../src/util/load-balancer-arn.js";

describe("loadBalancerOfListener", () => {
  it.each([
    ["arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/my-alb/50dc6c495c0c9188/f2f7dc8efc522ab2", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188"],
    ["arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:listener/net/my-nlb/0123456789abcdef/fedcba9876543210", "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:loadbalancer/net/my-nlb/0123456789abcdef"],
  ])("reads the load balancer from %s", (listener, loadBalancer) => {
    expect(loadBalancerOfListener(listener)).toBe(loadBalancer);
  });

  it.each([
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/my-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee",
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/my-alb/50dc6c495c0c9188",
    "my-listener",
  ])("leaves %s to DescribeListeners", (listener) => {
    expect(loadBalancerOfListener(listener)).toBeUndefined();
  });
});
