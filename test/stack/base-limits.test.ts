import { describe, expect, it } from "vitest";
import { buildTemplate } from "../../src/stack/build-template.js";
import { formatDiagnostic, InputError } from "../../src/errors.js";
import { BASE, config, rails, TARGET } from "./fixtures/projects.js";

const LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/berth-base-alb/50dc6c495c0c9188/f2f7dc8efc522ab2";
const HOST_LABEL = TARGET.host;

/** The `FILE:LINE: key: message` lines buildTemplate refuses the rails example with, given the base stack's outputs and secrets. */
function problems(outputs: Record<string, string>, secrets: Record<string, string> = {}): string[] {
  const lines: Record<string, number> = Object.fromEntries(Object.keys(secrets).map((name, i) => [name, 12 + i]));
  try {
    buildTemplate({
      ...rails,
      config: config({ service: "web", secrets }),
      target: TARGET,
      baseStack: BASE,
      baseOutputs: outputs,
      configLineOf: (path) => (path[0] === "secrets" ? lines[String(path[1])] : undefined),
    });
    return [];
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return error.diagnostics.map(formatDiagnostic);
  }
}

describe("buildTemplate: the host name against the ALB's host-header limit", () => {
  it("accepts a domain that leaves room for the longest label", () => {
    expect(problems({ Domain: `${"d".repeat(60)}.com` })).toEqual([]);
  });

  it("refuses a host name over 128 characters, naming the limit and the domain's room", () => {
    const domain = `${"previews-for-the-whole-engineering-organisation".repeat(2)}.example.com`;
    const host = `${HOST_LABEL}.${domain}`;
    expect(host.length).toBeGreaterThan(128);
    expect(problems({ Domain: domain })).toEqual([
      `base stack ${BASE}: Domain: the preview's host name ${host} is ${host.length} characters, over the 128 an ALB host-header condition takes (its label is at most 63); the base stack's Domain (${domain.length} characters) must be at most 64 characters long`,
    ]);
  });
});

describe("buildTemplate: secrets the previews' execution role can read", () => {
  const base = { ListenerArn: LISTENER, SecretsPrefix: "preview/" };
  const role = 'the previews\' execution role reads only secrets in us-east-1 of account 123456789012 whose names start with "preview/": move the secret there, or ask the operator to change SecretsPrefix';

  it.each([
    ["an SSM parameter by name", "/preview/shop/stripe_key"],
    ["an SSM parameter by ARN", "arn:aws:ssm:us-east-1:123456789012:parameter/preview/shop/key"],
    ["a Secrets Manager secret with a JSON key", "arn:aws:secretsmanager:us-east-1:123456789012:secret:preview/shop/db-AbCdEf:password::"],
  ])("accepts %s under the prefix, in the preview's region and account", (_name, reference) => {
    expect(problems(base, { KEY: reference })).toEqual([]);
  });

  it.each([
    [
      "an SSM parameter by name outside the prefix",
      "/shop/preview/stripe_key",
      `the SSM parameter's name does not start with "/preview/", the base stack's SecretsPrefix; ${role}`,
    ],
    [
      "a secret in another region",
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:preview/shop/db-AbCdEf",
      `the Secrets Manager secret is in region eu-west-1, but the preview runs in us-east-1; ${role}`,
    ],
    [
      "a parameter in another account, outside the prefix",
      "arn:aws:ssm:us-east-1:210987654321:parameter/shop/key",
      `the SSM parameter is in account 210987654321, but the preview runs in 123456789012; the SSM parameter's name does not start with "/preview/", the base stack's SecretsPrefix; ${role}`,
    ],
  ])("refuses %s at its line", (_name, reference, message) => {
    expect(problems(base, { OK: "/preview/ok", KEY: reference })).toEqual([`.github/preview.yml:13: secrets.KEY: ${message}`]);
  });

  it("reads the prefix with IAM's wildcards, and checks nothing it does not know", () => {
    expect(problems({ ListenerArn: LISTENER, SecretsPrefix: "*/preview/" }, { KEY: "/shop/preview/key" })).toEqual([]);
    expect(problems({ ListenerArn: LISTENER, SecretsPrefix: "*" }, { KEY: "/anything" })).toEqual([]);
    expect(problems({}, { KEY: "arn:aws:ssm:eu-west-1:210987654321:parameter/x" })).toEqual([]);
  });
});

describe("buildTemplate: the sign-in client secret berth's role resolves", () => {
  const base = { ListenerArn: LISTENER, SecretsPrefix: "preview/" };
  const oidc = (client_secret: string) =>
    config({
      service: "web",
      access: {
        oidc: {
          issuer: "https://id.example.com",
          authorization_endpoint: "https://id.example.com/authorize",
          token_endpoint: "https://id.example.com/token",
          user_info_endpoint: "https://id.example.com/userinfo",
          client_id: "berth",
          client_secret,
        },
      },
    });
  const refusal = (client_secret: string): string[] => {
    try {
      buildTemplate({ ...rails, config: oidc(client_secret), target: TARGET, baseStack: BASE, baseOutputs: base, configLineOf: (path) => (path.join(".") === "access.oidc.client_secret" ? 21 : undefined) });
      return [];
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return error.diagnostics.map(formatDiagnostic);
    }
  };

  it("accepts one under the base stack's SecretsPrefix and refuses one outside it at its line, naming berth's role", () => {
    expect(refusal("arn:aws:secretsmanager:us-east-1:123456789012:secret:preview/oidc-AbCdEf")).toEqual([]);
    expect(refusal("arn:aws:secretsmanager:us-east-1:123456789012:secret:team/oidc-AbCdEf")).toEqual([
      `.github/preview.yml:21: access.oidc.client_secret: the Secrets Manager secret's name does not start with "preview/", the base stack's SecretsPrefix; berth's role (CloudFormation resolves the secret with it) reads only secrets in us-east-1 of account 123456789012 whose names start with "preview/": move the secret there, or ask the operator to change SecretsPrefix`,
    ]);
  });
});
