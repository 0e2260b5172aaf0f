import { describe, expect, it } from "vitest";
import { isBlueGreenTemplate, PAUSE_TIMEOUT_MINUTES, targetGroupsPerPreview } from "../../src/stack/blue-green.js";
import { buildTemplate, type BuildTemplateInput } from "../../src/stack/build-template.js";
import { alternateTargetGroupName, LIVE_TARGET_GROUPS, LIVE_TARGET_PARAMETER, targetGroupName } from "../../src/stack/load-balancer.js";
import { previewLabel } from "../../src/stack/naming.js";
import { lintTemplate } from "../helpers/cfn-lint.js";
import { BASE, config, rails, service, TARGET } from "./fixtures/projects.js";
import { resource, type Json } from "./fixtures/template.js";

/** The base stack's rollout role, as deploy/base.yml names it under its path. */
const ROLE = "arn:aws:iam::123456789012:role/berth-base/us-east-1/berth-base-RolloutRole-1A2B3C4D5E6F";
const FAST = { RolloutRoleArn: ROLE };
const GATE = { id: "a1b2c3d", timeoutSeconds: 2700 };

const OIDC = {
  issuer: "https://accounts.example.com",
  authorization_endpoint: "https://accounts.example.com/authorize",
  token_endpoint: "https://accounts.example.com/token",
  user_info_endpoint: "https://accounts.example.com/userinfo",
  client_id: "berth-previews",
  client_secret: "arn:aws:secretsmanager:us-east-1:123456789012:secret:preview/oidc-AbCdEf",
};

function render(input: Partial<BuildTemplateInput> = {}) {
  return buildTemplate({ ...rails, target: TARGET, baseStack: BASE, ...input });
}

/** The template as CloudFormation evaluates it under these conditions: every `Fn::If` resolved, no Conditions section. */
function underConditions(template: Record<string, unknown>, conditions: Record<string, boolean>): Record<string, unknown> {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== "object") return node;
    const branch = (node as { "Fn::If"?: [string, unknown, unknown] })["Fn::If"];
    if (branch) {
      const holds = conditions[branch[0]];
      if (holds === undefined) throw new Error(`condition ${branch[0]} not given`);
      return walk(holds ? branch[1] : branch[2]);
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
  };
  const { Conditions: _conditions, ...rest } = template;
  return walk(rest) as Record<string, unknown>;
}

const label = previewLabel(TARGET);

describe("a blue/green preview (fast rollout on in the base stack)", () => {
  const today = render();
  const fast = render({ baseOutputs: FAST });

  it("differs from today's template by the second target group, the weighted rule, the service's strategy and two outputs, and nothing else", () => {
    const expected: Json = structuredClone(today.template);
    expected.Parameters.LiveTargetGroup = {
      Type: "String",
      AllowedValues: ["primary", "alternate"],
      Default: "primary",
      Description: "Which of the preview's two target groups ECS left serving; berth passes it from the rule's weights before an update",
    };
    expected.Conditions.AlternateTargetGroupLive = { "Fn::Equals": [{ Ref: "LiveTargetGroup" }, "alternate"] };
    expected.Resources.PublicTargetGroupAlternate = {
      ...expected.Resources.PublicTargetGroup,
      Properties: { ...expected.Resources.PublicTargetGroup.Properties, Name: alternateTargetGroupName(label, 3000) },
    };
    expected.Resources.PublicListenerRule.Properties.Actions = [
      {
        "Fn::If": [
          "PreviewAsleep",
          { Type: "forward", TargetGroupArn: { Ref: "AsleepTargetGroupArn" } },
          {
            Type: "forward",
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: { Ref: "PublicTargetGroup" }, Weight: { "Fn::If": ["AlternateTargetGroupLive", 0, 100] } },
                { TargetGroupArn: { Ref: "PublicTargetGroupAlternate" }, Weight: { "Fn::If": ["AlternateTargetGroupLive", 100, 0] } },
              ],
            },
          },
        ],
      },
    ];
    expected.Resources.WebService.Properties.DeploymentConfiguration = {
      Strategy: "BLUE_GREEN",
      BakeTimeInMinutes: 0,
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      LifecycleHooks: [{ TargetType: "PAUSE", LifecycleStages: ["POST_SCALE_UP"], TimeoutConfiguration: { TimeoutInMinutes: 45, Action: "ROLLBACK" } }],
    };
    expected.Resources.WebService.Properties.LoadBalancers = [
      {
        ContainerName: "web",
        ContainerPort: 3000,
        TargetGroupArn: { Ref: "PublicTargetGroup" },
        AdvancedConfiguration: { AlternateTargetGroupArn: { Ref: "PublicTargetGroupAlternate" }, ProductionListenerRule: { Ref: "PublicListenerRule" }, RoleArn: ROLE },
      },
    ];
    expected.Outputs.AlternateTargetGroupArn = { Value: { Ref: "PublicTargetGroupAlternate" } };
    expected.Outputs.ListenerRuleArn = { Value: { Ref: "PublicListenerRule" } };

    expect(fast.template).toEqual(expected);
    expect(fast.warnings).toEqual(today.warnings);
    expect(PAUSE_TIMEOUT_MINUTES).toBe(45);
  });

  it("keeps the data service's stop-then-start rollout and the public service's dependencies", () => {
    expect(resource(fast.template, "DbService").Properties.DeploymentConfiguration).toEqual({
      MinimumHealthyPercent: 0,
      MaximumPercent: 100,
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
    });
    expect(resource(fast.template, "WebService").DependsOn).toEqual(["DbService", "PublicListenerRule"]);
  });

  it("names the second target group berth-pr-<hash>, within 32 characters, stable per preview and port", () => {
    const name = resource(fast.template, "PublicTargetGroupAlternate").Properties.Name as string;
    expect(name).toMatch(/^berth-pr-[0-9a-f]{23}$/);
    expect(name).not.toBe(targetGroupName(label, 3000));
    expect(render({ baseOutputs: FAST }).template).toEqual(fast.template);
    expect(alternateTargetGroupName(label, 8080)).not.toBe(name);
    expect(alternateTargetGroupName(previewLabel({ ...TARGET, pr: 43 }), 3000)).not.toBe(name);
  });

  it.each([
    ["awake, the first target group live", { PreviewAsleep: false, AlternateTargetGroupLive: false }, [100, 0]],
    ["awake, the second target group live", { PreviewAsleep: false, AlternateTargetGroupLive: true }, [0, 100]],
  ])("forwards %s with weights %j", (_name, conditions, weights) => {
    const rule = resource(underConditions(fast.template, conditions), "PublicListenerRule").Properties;
    expect(rule.Actions).toEqual([
      {
        Type: "forward",
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: { Ref: "PublicTargetGroup" }, Weight: weights[0] },
            { TargetGroupArn: { Ref: "PublicTargetGroupAlternate" }, Weight: weights[1] },
          ],
        },
      },
    ]);
  });

  it("forwards to the waking page's target group alone while asleep, as today", () => {
    for (const alternateLive of [false, true]) {
      const rule = resource(underConditions(fast.template, { PreviewAsleep: true, AlternateTargetGroupLive: alternateLive }), "PublicListenerRule").Properties;
      expect(rule.Actions).toEqual([{ Type: "forward", TargetGroupArn: { Ref: "AsleepTargetGroupArn" } }]);
    }
  });

  it("says which templates are blue/green, and gives the engine the parameter's name and values", () => {
    expect(isBlueGreenTemplate(fast.template)).toBe(true);
    expect(isBlueGreenTemplate(today.template)).toBe(false);
    expect(targetGroupsPerPreview(fast.template)).toBe(2);
    expect(targetGroupsPerPreview(today.template)).toBe(1);
    expect(LIVE_TARGET_PARAMETER).toBe("LiveTargetGroup");
    expect(LIVE_TARGET_GROUPS).toEqual(["primary", "alternate"]);
  });

  describe("behind a release gate", () => {
    /** Rails with a worker also built from the repository. */
    const withWorker = {
      ...rails,
      project: { ...rails.project, services: [...rails.project.services, service("worker", { build: { context: ".", args: {} }, command: ["bin/jobs"], line: 30 })] },
      images: { ...rails.images, worker: rails.images.web },
    };
    const gated = (gate: BuildTemplateInput["gate"], baseOutputs?: Record<string, string>) =>
      buildTemplate({ ...withWorker, target: TARGET, baseStack: BASE, gate, ...(baseOutputs ? { baseOutputs } : {}) }).template;

    it("holds every service built from the repository on a first deploy's create", () => {
      const t = gated(GATE, FAST);
      expect(resource(t, "WebService").DependsOn).toEqual(["DbService", "PublicListenerRule", "ReleaseGatea1b2c3d"]);
      expect(resource(t, "WorkerService").DependsOn).toEqual(["ReleaseGatea1b2c3d"]);
    });

    it("starts the public service at once on a push, its pause holding the new version from traffic; the worker still waits", () => {
      const t = gated({ ...GATE, publicStartsAtOnce: true }, FAST);
      expect(resource(t, "WebService").DependsOn).toEqual(["DbService", "PublicListenerRule"]);
      expect(resource(t, "WorkerService").DependsOn).toEqual(["ReleaseGatea1b2c3d"]);
    });

    it("ignores publicStartsAtOnce for a preview that is not blue/green: its public service would take traffic on start", () => {
      const t = gated({ ...GATE, publicStartsAtOnce: true });
      expect(t).toEqual(gated(GATE));
      expect(resource(t, "WebService").DependsOn).toContain("ReleaseGatea1b2c3d");
    });
  });

  describe("passes cfn-lint", () => {
    const gatedAtOnce = render({ baseOutputs: FAST, gate: { ...GATE, publicStartsAtOnce: true } }).template;
    const gated = render({ baseOutputs: FAST, gate: GATE }).template;
    it.each([
      ["as rendered", fast.template],
      ["awake", underConditions(fast.template, { PreviewAsleep: false, AlternateTargetGroupLive: false })],
      ["awake on the second target group", underConditions(fast.template, { PreviewAsleep: false, AlternateTargetGroupLive: true })],
      ["asleep", underConditions(fast.template, { PreviewAsleep: true, AlternateTargetGroupLive: false })],
      ["with a gate", gated],
      ["with a gate the public service does not wait for", gatedAtOnce],
      ["asleep, with a gate", underConditions(gatedAtOnce, { PreviewAsleep: true, AlternateTargetGroupLive: true })],
    ])("%s", async (name, template) => {
      expect(await lintTemplate(template, `blue-green ${name}`)).toEqual([]);
    });
  });
});

describe("a preview with sign-in on a fast-rollout base stack", () => {
  it("renders today's template, and the plan says why with a warning on the access.oidc line", () => {
    const withOidc = { ...rails, config: config({ ...rails.config, access: { oidc: OIDC } }) };
    const lineOf = (path: readonly (string | number)[]) => (path.join(".") === "access.oidc" ? 24 : undefined);
    const fast = buildTemplate({ ...withOidc, target: TARGET, baseStack: BASE, baseOutputs: FAST, configLineOf: lineOf });
    const today = buildTemplate({ ...withOidc, target: TARGET, baseStack: BASE, configLineOf: lineOf });

    expect(fast.template).toEqual(today.template);
    expect(isBlueGreenTemplate(fast.template)).toBe(false);
    expect(fast.warnings).toEqual([
      ...today.warnings,
      {
        code: "fast-rollout-not-with-oidc",
        file: ".github/preview.yml",
        line: 24,
        message:
          "access.oidc: the preview signs visitors in, and ECS refuses a blue/green rollout on a listener rule that authenticates before it forwards, " +
          "so this preview keeps the rolling update although the base stack berth-base turns fast rollout on: a push's new version starts after the release steps",
      },
    ]);
  });

  it("names the base stack's default sign-in when the sign-in comes from there", () => {
    const defaultOidc = JSON.stringify({ ...OIDC, scope: "openid" });
    const fast = render({ baseOutputs: { ...FAST, DefaultOidc: defaultOidc } });
    expect(fast.template).toEqual(render({ baseOutputs: { DefaultOidc: defaultOidc } }).template);
    expect(fast.warnings.filter((w) => w.code === "fast-rollout-not-with-oidc")).toEqual([
      {
        code: "fast-rollout-not-with-oidc",
        message: expect.stringMatching(/^the base stack's default sign-in \(output DefaultOidc of berth-base\): the preview signs visitors in, and ECS refuses/),
      },
    ]);
  });

  it("warns of nothing when fast rollout is off", () => {
    const withOidc = { ...rails, config: config({ ...rails.config, access: { oidc: OIDC } }) };
    expect(buildTemplate({ ...withOidc, target: TARGET, baseStack: BASE }).warnings.map((w) => w.code)).not.toContain("fast-rollout-not-with-oidc");
  });
});
