import { describe, expect, it } from "vitest";
import { buildTemplate } from "../../src/stack/build-template.js";
import { BASE, config, rails, TARGET } from "./fixtures/projects.js";
import { resource } from "./fixtures/template.js";

describe("buildTemplate: the public service's health check grace period", () => {
  it.each([
    ["the default, for a JVM or Rails app on 0.25 vCPU", {}, 120],
    ["seconds", { healthcheck: { grace_period: 300 } }, 300],
    ["a duration", { healthcheck: { grace_period: "4m30s" } }, 270],
    ["none at all", { healthcheck: { grace_period: 0 } }, 0],
  ])("renders %s", (_name, raw, seconds) => {
    const { template } = buildTemplate({ ...rails, config: config({ ...raw, service: "web" }), target: TARGET, baseStack: BASE });
    expect(resource(template, "WebService", "AWS::ECS::Service").Properties.HealthCheckGracePeriodSeconds).toBe(seconds);
    // Only a service behind the load balancer takes a grace period.
    expect(resource(template, "DbService", "AWS::ECS::Service").Properties.HealthCheckGracePeriodSeconds).toBeUndefined();
  });
});
