import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, type Tags } from "yaml";
import { baseAccessDefaults } from "../../src/stack/access-defaults.js";
import { BASE_EXPORTS, OPTIONAL_BASE_EXPORTS } from "../../src/stack/base-stack.js";
import { lintTemplate } from "../helpers/cfn-lint.js";

const TEXT = readFileSync(new URL("../../deploy/base.yml", import.meta.url), "utf8");

/** CloudFormation's short-form tags, read as their long form so the test can look inside. */
const CFN_TAGS: Tags = [
  ["Ref", "scalar"], ["Sub", "scalar"], ["Sub", "seq"], ["GetAtt", "scalar"], ["Join", "seq"], ["If", "seq"],
  ["Not", "seq"], ["And", "seq"], ["Equals", "seq"], ["Split", "seq"], ["Select", "seq"], ["ImportValue", "scalar"], ["Condition", "scalar"],
].map(([name, collection]) => ({
  tag: `!${name}`,
  ...(collection === "seq" ? { collection: "seq" as const } : {}),
  resolve: (value: unknown) => {
    const plain = typeof value === "object" && value !== null && "toJSON" in value ? (value as { toJSON(): unknown }).toJSON() : value;
    if (name === "Ref") return { Ref: plain };
    if (name === "GetAtt") return { "Fn::GetAtt": String(plain).split(".") };
    if (name === "Condition") return { Condition: plain };
    return { [`Fn::${name}`]: plain };
  },
}));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const base = parse(TEXT, { customTags: CFN_TAGS }) as any;

describe("deploy/base.yml", () => {
  it("passes cfn-lint with no findings", async () => {
    expect(await lintTemplate(TEXT, "base")).toEqual([]);
  });

  it("outputs exactly what berth reads, each exported as <stack>-<Name> for the operator's own stacks", () => {
    expect(Object.keys(base.Outputs).sort()).toEqual([...BASE_EXPORTS].sort());
    for (const [name, output] of Object.entries<{ Export: unknown }>(base.Outputs)) {
      expect(output.Export, name).toEqual({ Name: { "Fn::Sub": `\${AWS::StackName}-${name}` } });
    }
    expect(base.Outputs.Subnets.Value).toEqual({ "Fn::Join": [",", { Ref: "TaskSubnets" }] });
  });

  it("takes the operator's parameters with sensible defaults", () => {
    expect(Object.keys(base.Parameters)).toEqual([
      "VpcId", "PublicSubnets", "TaskSubnets", "AssignPublicIp", "CertificateArn", "Domain", "HostedZoneId",
      "NamespaceName", "LogRetentionDays", "SecretsPrefix", "SecretsKmsKeyArn", "ContainerInsights",
      "DockerHubCachePrefix", "OfficialImagesFrom", "FastRollout",
      "DefaultAllowCidrs", "DefaultOidcIssuer", "DefaultOidcAuthorizationEndpoint", "DefaultOidcTokenEndpoint",
      "DefaultOidcUserInfoEndpoint", "DefaultOidcClientId", "DefaultOidcClientSecretArn", "DefaultOidcScope",
    ]);
    expect(base.Parameters.NamespaceName.Default).toBe("berth.internal");
    expect(base.Parameters.LogRetentionDays.Default).toBe(14);
    expect(base.Parameters.AssignPublicIp.AllowedValues).toEqual(["ENABLED", "DISABLED"]);
  });

  describe("access defaults for every repository", () => {
    const OIDC = {
      DefaultOidcIssuer: "https://accounts.example.com",
      DefaultOidcAuthorizationEndpoint: "https://accounts.example.com/oauth2/authorize",
      DefaultOidcTokenEndpoint: "https://accounts.example.com/oauth2/token",
      DefaultOidcUserInfoEndpoint: "https://accounts.example.com/oauth2/userinfo",
      DefaultOidcClientId: "berth-previews",
      DefaultOidcClientSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:preview/oidc-AbCdEf",
      DefaultOidcScope: "openid email",
    };
    /** The output's value as CloudFormation substitutes the parameters into it. */
    const substitute = (template: string, parameters: Record<string, string>) => template.replace(/\$\{(\w+)\}/g, (_m, name: string) => parameters[name] ?? "");

    it("outputs each default only when the operator set it", () => {
      expect(base.Conditions.HasDefaultAllowCidrs).toEqual({ "Fn::Not": [{ "Fn::Equals": [{ Ref: "DefaultAllowCidrs" }, ""] }] });
      expect(base.Conditions.HasDefaultOidc).toEqual({ "Fn::Not": [{ "Fn::Equals": [{ Ref: "DefaultOidcIssuer" }, ""] }] });
      expect(base.Outputs.DefaultAllowCidrs).toMatchObject({ Condition: "HasDefaultAllowCidrs", Value: { Ref: "DefaultAllowCidrs" } });
      expect(base.Outputs.DefaultOidc.Condition).toBe("HasDefaultOidc");
    });

    it("gives the identity provider as JSON that berth reads back as access.oidc", () => {
      const json = substitute(base.Outputs.DefaultOidc.Value["Fn::Sub"], OIDC);
      const { access, diagnostics } = baseAccessDefaults({ outputs: { DefaultOidc: json, DefaultAllowCidrs: "203.0.113.0/24, 2001:db8::/32" }, baseStack: "berth-base" });
      expect(diagnostics).toEqual([]);
      expect(access).toEqual({
        allow_cidrs: ["203.0.113.0/24", "2001:db8::/32"],
        oidc: {
          issuer: OIDC.DefaultOidcIssuer,
          authorization_endpoint: OIDC.DefaultOidcAuthorizationEndpoint,
          token_endpoint: OIDC.DefaultOidcTokenEndpoint,
          user_info_endpoint: OIDC.DefaultOidcUserInfoEndpoint,
          client_id: OIDC.DefaultOidcClientId,
          client_secret: OIDC.DefaultOidcClientSecretArn,
          scope: OIDC.DefaultOidcScope,
        },
      });
    });

    it.each([
      ["DefaultOidcIssuer", "http://accounts.example.com", false],
      ["DefaultOidcIssuer", 'https://x.example.com/","client_id":"evil', false],
      ["DefaultOidcIssuer", "", true],
      ["DefaultOidcClientId", 'berth"', false],
      ["DefaultOidcClientId", "berth-previews", true],
      ["DefaultOidcClientSecretArn", "s3cr3t", false],
      ["DefaultOidcScope", "openid email", true],
      ["DefaultAllowCidrs", "203.0.113.0/24,2001:db8::/32", true],
      ["DefaultAllowCidrs", "office", false],
    ])("%s accepts %j: %s (the JSON output stays well-formed)", (name, value, ok) => {
      expect(new RegExp(base.Parameters[name].AllowedPattern).test(value)).toBe(ok);
    });

    it("refuses a default identity provider without its endpoints, client id or secret", () => {
      const rule = base.Rules.DefaultOidcComplete;
      expect(rule.RuleCondition).toEqual({ "Fn::Not": [{ "Fn::Equals": [{ Ref: "DefaultOidcIssuer" }, ""] }] });
      const required = rule.Assertions[0].Assert["Fn::And"].map((c: { "Fn::Not": [{ "Fn::Equals": [{ Ref: string }, string] }] }) => c["Fn::Not"][0]["Fn::Equals"][0].Ref);
      expect(required).toEqual(["DefaultOidcAuthorizationEndpoint", "DefaultOidcTokenEndpoint", "DefaultOidcUserInfoEndpoint", "DefaultOidcClientId", "DefaultOidcClientSecretArn"]);
    });
  });

  it("answers unknown hosts with 404 over modern TLS and redirects HTTP to HTTPS", () => {
    const https = base.Resources.HttpsListener.Properties;
    expect(https).toMatchObject({ Port: 443, Protocol: "HTTPS", SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" });
    expect(https.DefaultActions).toEqual([
      { Type: "fixed-response", FixedResponseConfig: { StatusCode: "404", ContentType: "text/plain", MessageBody: "No preview here" } },
    ]);
    expect(base.Resources.HttpListener.Properties.DefaultActions[0]).toMatchObject({
      Type: "redirect",
      RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" },
    });
    expect(base.Resources.LoadBalancer.Properties).toMatchObject({ Scheme: "internet-facing", Subnets: { Ref: "PublicSubnets" } });
  });

  it("lets the world reach the load balancer, and only the load balancer reach the tasks", () => {
    const albIngress = base.Resources.LoadBalancerSecurityGroup.Properties.SecurityGroupIngress;
    expect(albIngress.map((r: { FromPort: number; CidrIp: string }) => [r.FromPort, r.CidrIp])).toEqual([
      [443, "0.0.0.0/0"],
      [80, "0.0.0.0/0"],
    ]);
    expect(base.Resources.TaskSecurityGroup.Properties.SecurityGroupIngress).toEqual([
      {
        IpProtocol: "tcp",
        FromPort: 0,
        ToPort: 65535,
        SourceSecurityGroupId: { "Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"] },
        Description: "The previews load balancer",
      },
    ]);
  });

  it("scopes the execution role's secret reads to the prefix, and gives the task role nothing", () => {
    const execution = base.Resources.ExecutionRole.Properties;
    expect(execution.ManagedPolicyArns).toEqual([{ "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" }]);
    const statements = execution.Policies[0].PolicyDocument.Statement;
    expect(statements.slice(0, 2)).toEqual([
      { Effect: "Allow", Action: "ssm:GetParameters", Resource: { "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${SecretsPrefix}*" } },
      {
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: { "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${SecretsPrefix}*" },
      },
    ]);
    expect(JSON.stringify(base.Resources.ExecutionRole)).not.toContain('"Resource":"*"');
    expect(base.Resources.TaskRole.Properties.Policies).toBeUndefined();
    expect(base.Resources.TaskRole.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("tells berth the secrets prefix, never as an empty output (CloudFormation refuses those)", () => {
    expect(base.Outputs.SecretsPrefix.Value).toEqual({ "Fn::If": ["HasSecretsPrefix", { Ref: "SecretsPrefix" }, "*"] });
    // A leading slash would make the role's parameter ARNs read parameter//...
    const pattern = new RegExp(base.Parameters.SecretsPrefix.AllowedPattern);
    expect(["preview/", "", "shop/*/preview/"].filter((p) => !pattern.test(p))).toEqual([]);
    expect(["/preview/", "pre view"].filter((p) => pattern.test(p))).toEqual([]);
  });

  it("offers a Docker Hub pull-through cache: its image prefix as an output, and the first pull's rights to the execution role", () => {
    expect(base.Conditions.HasDockerHubCache).toEqual({ "Fn::Not": [{ "Fn::Equals": [{ Ref: "DockerHubCachePrefix" }, ""] }] });
    expect(base.Outputs.DockerHubMirror).toMatchObject({
      Condition: "HasDockerHubCache",
      Value: { "Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/${DockerHubCachePrefix}" },
    });
    expect(base.Outputs.OfficialImagesFrom.Value).toEqual({ Ref: "OfficialImagesFrom" });
    expect(base.Parameters.OfficialImagesFrom).toMatchObject({ Default: "ecr-public", AllowedValues: ["ecr-public", "docker-hub-mirror"] });
    expect(base.Resources.ExecutionRole.Properties.Policies[1]).toEqual({
      "Fn::If": [
        "HasDockerHubCache",
        {
          PolicyName: "pull-through-docker-hub",
          PolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
                Resource: { "Fn::Sub": "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/${DockerHubCachePrefix}/*" },
              },
            ],
          },
        },
        { Ref: "AWS::NoValue" },
      ],
    });
  });

  it("makes every conditional output one berth treats as optional, and no other", () => {
    const conditional = Object.entries<{ Condition?: string }>(base.Outputs).filter(([, o]) => o.Condition !== undefined).map(([name]) => name);
    expect(conditional.sort()).toEqual([...OPTIONAL_BASE_EXPORTS].sort());
  });

  describe("fast rollout", () => {
    it("is off unless the operator turns it on", () => {
      expect(base.Parameters.FastRollout).toMatchObject({ Type: "String", AllowedValues: ["true", "false"], Default: "false" });
      expect(base.Conditions.FastRolloutOn).toEqual({ "Fn::Equals": [{ Ref: "FastRollout" }, "true"] });
      expect(base.Metadata["AWS::CloudFormation::Interface"].ParameterGroups.flatMap((g: { Parameters: string[] }) => g.Parameters)).toContain("FastRollout");
    });

    it("creates, only then, the role ECS shifts a preview's traffic with, under a path of its own", () => {
      expect(base.Resources.RolloutRole).toEqual({
        Type: "AWS::IAM::Role",
        Condition: "FastRolloutOn",
        Properties: {
          Description: expect.any(String),
          Path: { "Fn::Sub": "/${AWS::StackName}/${AWS::Region}/" },
          AssumeRolePolicyDocument: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" }],
          },
          ManagedPolicyArns: [{ "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers" }],
        },
      });
    });

    it("outputs the role's ARN only then: its presence is what turns blue/green on", () => {
      expect(base.Outputs.RolloutRoleArn).toEqual({
        Condition: "FastRolloutOn",
        Description: expect.any(String),
        Value: { "Fn::GetAtt": ["RolloutRole", "Arn"] },
        Export: { Name: { "Fn::Sub": "${AWS::StackName}-RolloutRoleArn" } },
      });
    });
  });

  it("creates the wildcard record only when a hosted zone is given", () => {
    expect(base.Conditions.HasHostedZone).toEqual({ "Fn::Not": [{ "Fn::Equals": [{ Ref: "HostedZoneId" }, ""] }] });
    expect(base.Resources.WildcardRecord).toMatchObject({
      Condition: "HasHostedZone",
      Properties: { Name: { "Fn::Sub": "*.${Domain}." }, Type: "A", AliasTarget: { DNSName: { "Fn::GetAtt": ["LoadBalancer", "DNSName"] } } },
    });
  });

  it("keeps logs for the chosen days and serves names from a private namespace in the VPC", () => {
    expect(base.Resources.LogGroup.Properties.RetentionInDays).toEqual({ Ref: "LogRetentionDays" });
    expect(base.Resources.Namespace).toMatchObject({
      Type: "AWS::ServiceDiscovery::PrivateDnsNamespace",
      Properties: { Name: { Ref: "NamespaceName" }, Vpc: { Ref: "VpcId" } },
    });
    expect(base.Resources.Cluster.Properties.CapacityProviders).toEqual(["FARGATE", "FARGATE_SPOT"]);
  });
});
