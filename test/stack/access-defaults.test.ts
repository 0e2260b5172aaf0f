import { describe, expect, it } from "vitest";
import { formatDiagnostic, InputError } from "../../src/errors.js";
import { baseAccessDefaults } from "../../src/stack/access-defaults.js";
import { buildTemplate, type BuildTemplateInput } from "../../src/stack/build-template.js";
import { lintTemplate } from "../helpers/cfn-lint.js";
import { BASE, rails, TARGET } from "./fixtures/projects.js";
import { resource } from "./fixtures/template.js";

const LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/berth-base-alb/50dc6c495c0c9188/f2f7dc8efc522ab2";
const provider = (name: string, secret = `arn:aws:secretsmanager:us-east-1:123456789012:secret:preview/${name}-AbCdEf`) => ({
  issuer: `https://${name}.example.com`,
  authorization_endpoint: `https://${name}.example.com/authorize`,
  token_endpoint: `https://${name}.example.com/token`,
  user_info_endpoint: `https://${name}.example.com/userinfo`,
  client_id: `${name}-client`,
  client_secret: secret,
  scope: "openid",
});
const ORG = provider("org");
/** The base stack of an operator who set both defaults. */
const WITH_DEFAULTS = { ListenerArn: LISTENER, SecretsPrefix: "preview/", DefaultAllowCidrs: "203.0.113.0/24,198.51.100.0/24", DefaultOidc: JSON.stringify(ORG) };

function rule(input: { access?: BuildTemplateInput["config"]["access"]; outputs?: Record<string, string> }) {
  const { template } = buildTemplate({
    ...rails,
    target: TARGET,
    baseStack: BASE,
    // Without the repository's own secrets, so that only the access checks speak.
    config: { ...rails.config, secrets: {}, access: input.access ?? {} },
    ...(input.outputs ? { baseOutputs: input.outputs } : {}),
  });
  const properties = resource(template, "PublicListenerRule", "AWS::ElasticLoadBalancingV2::ListenerRule").Properties;
  const sourceIp = (properties.Conditions as Array<{ Field: string; SourceIpConfig?: { Values: string[] } }>).find((c) => c.Field === "source-ip");
  const signIn = (properties.Actions as Array<{ Type: string; AuthenticateOidcConfig?: { Issuer: string; ClientId: string; ClientSecret: string } }>).find((a) => a.Type === "authenticate-oidc");
  return { template, allow: sourceIp?.SourceIpConfig?.Values, issuer: signIn?.AuthenticateOidcConfig?.Issuer, secret: signIn?.AuthenticateOidcConfig?.ClientSecret };
}

function problems(outputs: Record<string, string>, access: BuildTemplateInput["config"]["access"] = {}): string[] {
  try {
    rule({ outputs, access });
    return [];
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return error.diagnostics.map(formatDiagnostic);
  }
}

describe("the operator's access defaults from the base stack", () => {
  it("apply to a repository without access: only the default networks reach the preview, after signing in with the default provider", async () => {
    const got = rule({ outputs: WITH_DEFAULTS });
    expect(got.allow).toEqual(["203.0.113.0/24", "198.51.100.0/24"]);
    expect(got.issuer).toBe("https://org.example.com");
    expect(got.secret).toBe(`{{resolve:secretsmanager:${ORG.client_secret}:SecretString}}`);
    expect(await lintTemplate(got.template, "access-defaults")).toEqual([]);
  });

  it.each([
    { case: "its own allow_cidrs replaces the default list; the default provider stays", access: { allow_cidrs: ["192.0.2.0/24"] }, allow: ["192.0.2.0/24"], issuer: "https://org.example.com" },
    { case: "its own oidc replaces the default provider; the default networks stay", access: { oidc: provider("team") }, allow: ["203.0.113.0/24", "198.51.100.0/24"], issuer: "https://team.example.com" },
    { case: "both its own keys replace both defaults", access: { allow_cidrs: ["0.0.0.0/0", "::/0"], oidc: provider("team") }, allow: ["0.0.0.0/0", "::/0"], issuer: "https://team.example.com" },
  ])("a repository's key overrides its default key by key: $case", ({ access, allow, issuer }) => {
    const got = rule({ outputs: WITH_DEFAULTS, access });
    expect({ allow: got.allow, issuer: got.issuer }).toEqual({ allow, issuer });
  });

  it("leave the preview open to anyone without sign-in when the operator set none", () => {
    expect(rule({ outputs: { ListenerArn: LISTENER } })).toMatchObject({ allow: undefined, issuer: undefined });
  });

  it("come only from the base stack's outputs: berth plan without them renders the repository's access alone", () => {
    expect(rule({})).toMatchObject({ allow: undefined, issuer: undefined });
  });

  it.each([
    [{ DefaultAllowCidrs: "203.0.113.0/24,office" }, 'base stack berth-base: DefaultAllowCidrs: "office": must be an IPv4 or IPv6 network in CIDR notation, e.g. 203.0.113.0/24 or 2001:db8::/32; fix the base stack\'s parameter and deploy deploy/base.yml again'],
    [{ DefaultAllowCidrs: "1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8" }, "base stack berth-base: DefaultAllowCidrs: at most 4 networks: a load balancer rule evaluates at most 5 values, and the preview's host name takes one; fix the base stack's parameter and deploy deploy/base.yml again"],
    [{ DefaultOidc: "{issuer" }, "base stack berth-base: DefaultOidc: is not JSON; deploy deploy/base.yml again"],
    [{ DefaultOidc: JSON.stringify({ ...ORG, issuer: "http://org.example.com" }) }, "base stack berth-base: DefaultOidc: issuer: must be the identity provider's https:// URL; fix the base stack's parameter and deploy deploy/base.yml again"],
  ])("refuse a bad default %j, naming the base stack and its output", (outputs, line) => {
    expect(problems({ ListenerArn: LISTENER, ...outputs })).toEqual([line]);
  });

  it("a bad default does not stop a repository that overrides that key", () => {
    expect(problems({ ListenerArn: LISTENER, DefaultAllowCidrs: "office" }, { allow_cidrs: ["192.0.2.0/24"] })).toHaveLength(1);
    expect(baseAccessDefaults({ outputs: { DefaultAllowCidrs: "office" }, baseStack: BASE }).access).toEqual({});
  });

  it("refuse a default provider's client secret outside SecretsPrefix on the base stack, not on the repository's config", () => {
    const outside = JSON.stringify(provider("org", "arn:aws:secretsmanager:us-east-1:123456789012:secret:other/org-AbCdEf"));
    expect(problems({ ...WITH_DEFAULTS, DefaultOidc: outside })).toEqual([
      'base stack berth-base: DefaultOidc: client_secret: the Secrets Manager secret\'s name does not start with "preview/", the base stack\'s SecretsPrefix; berth\'s role (CloudFormation resolves the secret with it) reads only secrets in us-east-1 of account 123456789012 whose names start with "preview/": move the secret there, or ask the operator to change SecretsPrefix',
    ]);
    // A repository with its own provider is not held up by the default's secret.
    expect(problems({ ...WITH_DEFAULTS, DefaultOidc: outside }, { oidc: provider("team") })).toEqual([]);
  });
});
