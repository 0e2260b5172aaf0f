import { describe, expect, it } from "vitest";
import { BASE_PARAMETERS } from "../../src/stack/base-stack.js";
import { buildTemplate, type BuildTemplateInput } from "../../src/stack/build-template.js";
import { buildSearchLineScript } from "../../src/stack/container-definition.js";
import { defaultRulePriority, targetGroupName } from "../../src/stack/load-balancer.js";
import { previewLabel } from "../../src/stack/naming.js";
import { lintTemplate } from "../helpers/cfn-lint.js";
import { BASE, config, django, node, project, rails, SECRET_ARN, service, TARGET } from "./fixtures/projects.js";
import { containers, idsOfType, imported, resource, type Json } from "./fixtures/template.js";

const LABEL = previewLabel(TARGET);
/** The public host's label: the engine passes it in the target, keyed with the operator's host key. */
const HOST = TARGET.host;
const OIDC_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:previews/oidc-client-AbCdEf";
const OIDC = {
  issuer: "https://accounts.example.com",
  authorization_endpoint: "https://accounts.example.com/oauth2/authorize",
  token_endpoint: "https://accounts.example.com/oauth2/token",
  user_info_endpoint: "https://accounts.example.com/oauth2/userinfo",
  client_id: "berth-previews",
  client_secret: OIDC_SECRET,
  scope: "openid email",
};
const render = (input: Pick<BuildTemplateInput, "project" | "config" | "images"> & Partial<BuildTemplateInput>) =>
  buildTemplate({ target: TARGET, baseStack: BASE, ...input });

const OUTPUTS = [
  "Hostname", "Url", "PublicServiceArn", "PublicServiceName", "ServiceArns", "StatefulServiceArns",
  "ReleaseTaskDefinitionArn", "ReleaseContainerName", "TargetGroupArn", "TaskSubnets", "TaskSecurityGroups",
  "AssignPublicIp", "ServiceImages", "LogGroup", "LogStreamPrefix", "ListenerRulePriority",
];

/** The rule forwards to berth's target group while the preview sleeps, to its own otherwise. */
const FORWARD_TO = { "Fn::If": ["PreviewAsleep", { Ref: "AsleepTargetGroupArn" }, { Ref: "PublicTargetGroup" }] };

/** The script's text around the namespace, which the template takes from the base stack. */
const withNamespace = (script: string) => {
  const [before, after] = script.split("NAMESPACE");
  return [before, imported("NamespaceName"), after];
};

const DNS_INIT = {
  Name: "berth-dns-init",
  Image: "public.ecr.aws/docker/library/busybox:stable",
  Essential: false,
  Command: ["sh", "-c", { "Fn::Join": ["", withNamespace(buildSearchLineScript(`${LABEL}.NAMESPACE`))] }],
  LogConfiguration: {
    LogDriver: "awslogs",
    Options: { "awslogs-group": imported("LogGroup"), "awslogs-region": { Ref: "AWS::Region" }, "awslogs-stream-prefix": LABEL },
  },
};

/** Multi-service build: an API and a worker from the repository, Postgres, per-service sizes. */
const multi = {
  project: project(
    service("api", {
      build: { context: "api", args: {} },
      ports: [{ target: 8080, published: 80, protocol: "tcp" }],
      environment: { DATABASE_URL: "postgres://app:app@db/app", LOG_LEVEL: "debug" },
      dependsOn: [{ service: "db", condition: "service_healthy" }],
    }),
    service("worker", {
      build: { context: "worker", args: {} },
      command: ["bundle", "exec", "sidekiq"],
      dependsOn: [{ service: "api", condition: "service_started" }],
    }),
    service("db", {
      image: "postgres:16",
      healthcheck: { test: ["CMD", "pg_isready"], intervalSeconds: 5, timeoutSeconds: 2, retries: 10, startPeriodSeconds: 300 },
    }),
  ),
  config: config({
    release: { migrate: ["bin/migrate", "--all"], service: "worker" },
    environment: { LOG_LEVEL: "info", FEATURE_X: true },
    secrets: {
      STRIPE_KEY: "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-AbCdEf",
      DATABASE_URL: "arn:aws:ssm:us-east-1:123456789012:parameter/app/database_url",
    },
    resources: { cpu: 512, memory: 2048, services: { api: { cpu: 1024, memory: 4096 } } },
  }),
  images: { api: "registry.example/api:abc", worker: "registry.example/worker:abc" },
};

describe("buildTemplate: every rendered template passes cfn-lint", () => {
  it.each([
    { name: "rails", input: rails },
    { name: "django", input: django },
    { name: "node", input: node },
    { name: "multi", input: multi },
    { name: "rails-hold-serving", input: { ...rails, hold: { servingImages: { web: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:old" } } } },
    { name: "rails-hold-first", input: { ...rails, hold: {} } },
    { name: "rails-oidc", input: { ...rails, config: { ...rails.config, access: { oidc: OIDC } } } },
    { name: "rails-allow-cidrs", input: { ...rails, config: { ...rails.config, access: { allow_cidrs: ["203.0.113.0/24", "2001:db8::/32"] } } } },
    {
      name: "literal-shell-placeholders",
      input: {
        ...rails,
        project: project(
          service("web", { image: "nginx:1", ports: [{ target: 80, protocol: "tcp" }], environment: { GREETING: "hello ${USER}" } }),
          service("db", { image: "postgres:16", healthcheck: { test: ["CMD-SHELL", "pg_isready -U ${POSTGRES_USER}"] } }),
        ),
      },
    },
  ])("$name", async ({ name, input }) => {
    const { template } = render(input);
    expect(await lintTemplate(template, name)).toEqual([]);
    expect(JSON.stringify(template)).not.toMatch(/CDKMetadata|BootstrapVersion|CheckBootstrapVersion/);
    // deploy/bot.yml lets berth run task definitions named berth-* and nothing else.
    const families = idsOfType(template, "AWS::ECS::TaskDefinition").map((id) => String(resource(template, id).Properties.Family));
    expect(families.length).toBeGreaterThan(1);
    expect(families.filter((f) => !f.startsWith("berth-"))).toEqual([]);
  });
});

describe("buildTemplate: Rails + Postgres", () => {
  const stack = render(rails);
  const t = stack.template;

  it("names the preview and summarizes what the app needs", () => {
    expect(stack).toMatchObject({
      stackName: `berth-${LABEL}`,
      label: LABEL,
      host: HOST,
      publicService: "web",
      port: 3000,
      releaseService: "web",
      release: [
        { name: "migrate", command: ["bin/rails", "db:migrate"] },
        { name: "seed", command: ["bin/rails", "db:seed"] },
      ],
      warnings: [],
    });
  });

  it("takes the base stack's outputs and the rule priority as parameters, and imports nothing", () => {
    const base = Object.fromEntries(BASE_PARAMETERS.map((name) => [`Base${name}`, (t.Parameters as Json)[`Base${name}`]]));
    for (const [name, spec] of Object.entries<Json>(base)) {
      expect(spec, name).toMatchObject({ Type: "String", Description: expect.stringContaining(`(output ${name.slice(4)} of the base stack, e.g. ${BASE})`) });
      expect(spec.Default, name).toBeUndefined();
    }
    expect(base.BaseAssignPublicIp.AllowedValues).toEqual(["ENABLED", "DISABLED"]);
    // Fn::ImportValue would freeze the base stack's outputs while this preview lives.
    expect(JSON.stringify(t)).not.toContain("Fn::ImportValue");
    expect(t.Parameters).toEqual({
      ...base,
      ListenerRulePriority: {
        Type: "Number",
        Default: defaultRulePriority(LABEL),
        MinValue: 1,
        MaxValue: 50000,
        Description: "Priority of the preview's rule on the shared HTTPS listener; unique per listener",
      },
      AsleepTargetGroupArn: {
        Type: "String",
        Default: "",
        Description: "While the preview sleeps, the target group its rule forwards to (berth's, which wakes it); empty while awake",
      },
    });
    expect(defaultRulePriority(LABEL)).toBeGreaterThanOrEqual(1);
    expect(defaultRulePriority(LABEL)).toBeLessThanOrEqual(50000);
  });

  it("runs the built service with the new image, merged sorted environment and secrets by reference", () => {
    const web = containers(t, "WebTaskDefinition").web!;
    expect(web).toEqual({
      Name: "web",
      Image: rails.images.web,
      Essential: true,
      Command: ["bash", "-c", "bundle exec puma -C config/puma.rb"],
      Environment: [
        { Name: "DATABASE_URL", Value: "postgres://postgres:postgres@db:5432/shop" },
        { Name: "RAILS_ENV", Value: "staging" },
        { Name: "RAILS_LOG_TO_STDOUT", Value: "true" },
        { Name: "RAILS_SERVE_STATIC_FILES", Value: "true" },
      ],
      Secrets: [{ Name: "SECRET_KEY_BASE", ValueFrom: SECRET_ARN }],
      DependsOn: [{ ContainerName: "berth-dns-init", Condition: "SUCCESS" }],
      PortMappings: [{ ContainerPort: 3000, Protocol: "tcp" }],
      LogConfiguration: DNS_INIT.LogConfiguration,
    });
  });

  it("gives every task definition the DNS init container first, and every other container waits for it", () => {
    for (const id of idsOfType(t, "AWS::ECS::TaskDefinition")) {
      const defs = resource(t, id).Properties.ContainerDefinitions as Json[];
      expect(defs[0], id).toEqual(DNS_INIT);
      for (const c of defs.slice(1)) expect(c.DependsOn, `${id} ${c.Name}`).toEqual([{ ContainerName: "berth-dns-init", Condition: "SUCCESS" }]);
    }
    expect(idsOfType(t, "AWS::ECS::TaskDefinition").sort()).toEqual(["DbTaskDefinition", "ReleaseTaskDefinition", "WebTaskDefinition"]);
  });

  it("keeps the database's health check and its volume on ephemeral storage, without secrets", () => {
    const td = resource(t, "DbTaskDefinition").Properties;
    const db = containers(t, "DbTaskDefinition").db!;
    expect(db.HealthCheck).toEqual({ Command: ["CMD-SHELL", "pg_isready -U postgres"], Interval: 5, Timeout: 3, Retries: 10 });
    expect(db.MountPoints).toEqual([{ SourceVolume: "pgdata", ContainerPath: "/var/lib/postgresql/data", ReadOnly: false }]);
    expect(td.Volumes).toEqual([{ Name: "pgdata" }]);
    expect(db.Secrets).toBeUndefined();
    expect(td).toMatchObject({
      Family: `berth-${LABEL}-db`,
      Cpu: "256",
      Memory: "512",
      NetworkMode: "awsvpc",
      RequiresCompatibilities: ["FARGATE"],
      ExecutionRoleArn: imported("ExecutionRoleArn"),
      TaskRoleArn: imported("TaskRoleArn"),
    });
  });

  it("starts web after db and after its listener rule exists", () => {
    expect(resource(t, "WebService").DependsOn).toEqual(["DbService", "PublicListenerRule"]);
    expect(resource(t, "DbService").DependsOn).toBeUndefined();
  });

  it("rolls web with zero downtime behind the load balancer, and never runs two databases", () => {
    const web = resource(t, "WebService", "AWS::ECS::Service").Properties;
    const db = resource(t, "DbService", "AWS::ECS::Service").Properties;
    const network = {
      AwsvpcConfiguration: {
        AssignPublicIp: imported("AssignPublicIp"),
        SecurityGroups: [imported("SecurityGroup"), { "Fn::GetAtt": ["PreviewSecurityGroup", "GroupId"] }],
        Subnets: { "Fn::Split": [",", imported("Subnets")] },
      },
    };
    expect(web).toEqual({
      Cluster: imported("ClusterName"),
      LaunchType: "FARGATE",
      PlatformVersion: "LATEST",
      TaskDefinition: { Ref: "WebTaskDefinition" },
      DesiredCount: 1,
      DeploymentConfiguration: { MinimumHealthyPercent: 100, MaximumPercent: 200, DeploymentCircuitBreaker: { Enable: true, Rollback: true } },
      HealthCheckGracePeriodSeconds: 120,
      LoadBalancers: [{ ContainerName: "web", ContainerPort: 3000, TargetGroupArn: { Ref: "PublicTargetGroup" } }],
      NetworkConfiguration: network,
      ServiceRegistries: [{ RegistryArn: { "Fn::GetAtt": ["WebDiscovery", "Arn"] } }],
      EnableECSManagedTags: true,
      PropagateTags: "SERVICE",
      Tags: [{ Key: "berth:managed", Value: "true" }],
    });
    expect(db.DeploymentConfiguration).toEqual({
      MinimumHealthyPercent: 0,
      MaximumPercent: 100,
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
    });
    expect(db.LoadBalancers).toBeUndefined();
    expect(db.NetworkConfiguration).toEqual(network);
  });

  it("registers every service as <service>.<label> in the base stack's namespace", () => {
    expect(resource(t, "DbDiscovery", "AWS::ServiceDiscovery::Service").Properties).toEqual({
      Name: `db.${LABEL}`,
      Description: `berth preview ${LABEL}: compose service db`,
      NamespaceId: imported("NamespaceId"),
      DnsConfig: { DnsRecords: [{ Type: "A", TTL: 10 }], RoutingPolicy: "MULTIVALUE" },
      HealthCheckCustomConfig: { FailureThreshold: 1 },
      Tags: [{ Key: "berth:managed", Value: "true" }],
    });
    expect(resource(t, "WebDiscovery").Properties.Name).toBe(`web.${LABEL}`);
  });

  it("opens the preview's security group to itself only", () => {
    expect(resource(t, "PreviewSecurityGroup", "AWS::EC2::SecurityGroup").Properties).toEqual({
      GroupDescription: `berth preview ${LABEL}: its tasks reach each other`,
      VpcId: imported("VpcId"),
      Tags: [{ Key: "berth:managed", Value: "true" }],
    });
    expect(resource(t, "PreviewSecurityGroupSelfIngress", "AWS::EC2::SecurityGroupIngress").Properties).toEqual({
      GroupId: { "Fn::GetAtt": ["PreviewSecurityGroup", "GroupId"] },
      SourceSecurityGroupId: { "Fn::GetAtt": ["PreviewSecurityGroup", "GroupId"] },
      IpProtocol: "-1",
      Description: "Services of the same preview",
    });
  });

  it("routes <host>.<domain>, the keyed host label, to a fast-checking target group", () => {
    expect(resource(t, "PublicTargetGroup", "AWS::ElasticLoadBalancingV2::TargetGroup").Properties).toEqual({
      Name: targetGroupName(LABEL, 3000),
      TargetType: "ip",
      Protocol: "HTTP",
      Port: 3000,
      VpcId: imported("VpcId"),
      HealthCheckEnabled: true,
      HealthCheckProtocol: "HTTP",
      HealthCheckPath: "/up",
      HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 4,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: "200-399" },
      TargetGroupAttributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "5" }],
      Tags: [{ Key: "berth:managed", Value: "true" }],
    });
    expect(resource(t, "PublicListenerRule", "AWS::ElasticLoadBalancingV2::ListenerRule").Properties).toEqual({
      ListenerArn: imported("ListenerArn"),
      Priority: { Ref: "ListenerRulePriority" },
      Conditions: [{ Field: "host-header", HostHeaderConfig: { Values: [{ "Fn::Join": [".", [HOST, imported("Domain")]] }] } }],
      Actions: [{ Type: "forward", TargetGroupArn: FORWARD_TO }],
    });
    // A sleep sets the parameter to berth's own target group; a wake empties it again.
    expect(t.Conditions).toEqual({ PreviewAsleep: { "Fn::Not": [{ "Fn::Equals": [{ Ref: "AsleepTargetGroupArn" }, ""] }] } });
  });

  it("lets only access.allow_cidrs reach the preview when set: a source-ip condition beside the host name", () => {
    const { template } = render({ ...rails, config: { ...rails.config, access: { allow_cidrs: ["203.0.113.0/24", "2001:db8::/32"] } } });
    expect(resource(template, "PublicListenerRule", "AWS::ElasticLoadBalancingV2::ListenerRule").Properties.Conditions).toEqual([
      { Field: "host-header", HostHeaderConfig: { Values: [{ "Fn::Join": [".", [HOST, imported("Domain")]] }] } },
      { Field: "source-ip", SourceIpConfig: { Values: ["203.0.113.0/24", "2001:db8::/32"] } },
    ]);
  });

  it("puts sign-in (access.oidc) in front of the preview, naming the client secret only by a dynamic reference", () => {
    const { template } = render({ ...rails, config: { ...rails.config, access: { oidc: OIDC } } });
    expect(resource(template, "PublicListenerRule", "AWS::ElasticLoadBalancingV2::ListenerRule").Properties.Actions).toEqual([
      {
        Type: "authenticate-oidc",
        Order: 1,
        AuthenticateOidcConfig: {
          Issuer: "https://accounts.example.com",
          AuthorizationEndpoint: "https://accounts.example.com/oauth2/authorize",
          TokenEndpoint: "https://accounts.example.com/oauth2/token",
          UserInfoEndpoint: "https://accounts.example.com/oauth2/userinfo",
          ClientId: "berth-previews",
          ClientSecret: `{{resolve:secretsmanager:${OIDC_SECRET}:SecretString}}`,
          Scope: "openid email",
          OnUnauthenticatedRequest: "authenticate",
        },
      },
      { Type: "forward", Order: 2, TargetGroupArn: FORWARD_TO },
    ]);
  });

  it("tags every resource that takes tags berth:managed in the template itself, which the bot's role fences deletes on", () => {
    const taggable = ["AWS::EC2::SecurityGroup", "AWS::ECS::Service", "AWS::ECS::TaskDefinition", "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::ServiceDiscovery::Service"];
    const ids = taggable.flatMap((type) => idsOfType(t, type));
    expect(ids).toHaveLength(1 + 2 + 3 + 1 + 2);
    for (const id of ids) expect(resource(t, id).Properties.Tags, id).toEqual([{ Key: "berth:managed", Value: "true" }]);
  });

  it("names the target group berth-pr-<hash> within ELB's 32 characters, anew when the port changes (a replacement)", () => {
    const name = targetGroupName(LABEL, 3000);
    expect(name).toMatch(/^berth-pr-[0-9a-f]{23}$/);
    expect(targetGroupName(LABEL, 3000)).toBe(name);
    expect(targetGroupName(LABEL, 8080)).not.toBe(name);
    expect(targetGroupName(previewLabel({ ...TARGET, pr: 43 }), 3000)).not.toBe(name);
  });

  it("defines the release task: one essential container `release` with the new image, environment and secrets", () => {
    const td = resource(t, "ReleaseTaskDefinition").Properties;
    expect(td.Family).toBe(`berth-${LABEL}-release`);
    const release = containers(t, "ReleaseTaskDefinition").release!;
    expect(release).toMatchObject({
      Essential: true,
      Image: rails.images.web,
      Secrets: [{ Name: "SECRET_KEY_BASE", ValueFrom: SECRET_ARN }],
      Environment: containers(t, "WebTaskDefinition").web!.Environment,
      LogConfiguration: DNS_INIT.LogConfiguration,
    });
    expect(release.PortMappings).toBeUndefined();
    expect(release.HealthCheck).toBeUndefined();
    expect(Object.keys(containers(t, "ReleaseTaskDefinition"))).toEqual(["berth-dns-init", "release"]);
  });

  it("outputs everything the app reads, with exact values where they are literal", () => {
    const outputs = t.Outputs as Record<string, { Value: Json }>;
    expect(Object.keys(outputs).sort()).toEqual([...OUTPUTS].sort());
    expect(outputs.Url!.Value).toEqual({ "Fn::Join": ["", [`https://${HOST}.`, imported("Domain")]] });
    expect(outputs.Hostname!.Value).toEqual({ "Fn::Join": [".", [HOST, imported("Domain")]] });
    expect(outputs.PublicServiceArn!.Value).toEqual({ Ref: "WebService" });
    expect(outputs.PublicServiceName!.Value).toEqual({ "Fn::GetAtt": ["WebService", "Name"] });
    expect(outputs.ServiceArns!.Value).toEqual({
      "Fn::Join": [",", [{ "Fn::Join": ["=", ["web", { Ref: "WebService" }]] }, { "Fn::Join": ["=", ["db", { Ref: "DbService" }]] }]],
    });
    expect(outputs.StatefulServiceArns!.Value).toEqual({ "Fn::Join": ["=", ["db", { Ref: "DbService" }]] });
    expect(outputs.ReleaseTaskDefinitionArn!.Value).toEqual({ Ref: "ReleaseTaskDefinition" });
    expect(outputs.ReleaseContainerName!.Value).toBe("release");
    expect(outputs.TargetGroupArn!.Value).toEqual({ Ref: "PublicTargetGroup" });
    expect(outputs.TaskSubnets!.Value).toEqual(imported("Subnets"));
    expect(outputs.TaskSecurityGroups!.Value).toEqual({
      "Fn::Join": [",", [imported("SecurityGroup"), { "Fn::GetAtt": ["PreviewSecurityGroup", "GroupId"] }]],
    });
    expect(outputs.AssignPublicIp!.Value).toEqual(imported("AssignPublicIp"));
    expect(outputs.ServiceImages!.Value).toBe(`web=${rails.images.web}`);
    expect(outputs.LogGroup!.Value).toEqual(imported("LogGroup"));
    expect(outputs.LogStreamPrefix!.Value).toBe(LABEL);
    expect(outputs.ListenerRulePriority!.Value).toEqual({ Ref: "ListenerRulePriority" });
    // Preview stacks export nothing: an import of theirs would block their deletion.
    for (const output of Object.values(outputs)) expect(output).not.toHaveProperty("Export");
  });

  it("renders the same template twice", () => {
    expect(render(rails).template).toEqual(t);
  });
});

describe("buildTemplate: Django + nginx + Postgres", () => {
  const stack = render(django);
  const t = stack.template;

  it("puts nginx (a third-party image) in front and runs release steps as the built Django service", () => {
    expect(stack).toMatchObject({ publicService: "nginx", port: 80, releaseService: "web" });
    expect(stack.release).toEqual([
      { name: "migrate", command: ["python", "manage.py", "migrate", "--noinput"] },
      { name: "seed", command: ["python", "manage.py", "loaddata", "fixtures/demo.json"] },
    ]);
    expect(containers(t, "ReleaseTaskDefinition").release!.Image).toBe(django.images.web);
    expect(containers(t, "ReleaseTaskDefinition").release!.Command).toEqual(django.project.services[1]!.command);
  });

  it("rolls the public nginx with zero downtime although it is not built here", () => {
    const nginx = resource(t, "NginxService").Properties;
    expect(nginx.DeploymentConfiguration).toMatchObject({ MinimumHealthyPercent: 100, MaximumPercent: 200 });
    expect(nginx.LoadBalancers).toEqual([{ ContainerName: "nginx", ContainerPort: 80, TargetGroupArn: { Ref: "PublicTargetGroup" } }]);
    expect(resource(t, "NginxService").DependsOn).toEqual(["PublicListenerRule", "WebService"]);
    expect(resource(t, "WebService").DependsOn).toEqual(["DbService"]);
    expect(resource(t, "WebService").Properties.LoadBalancers).toBeUndefined();
    expect(resource(t, "PublicTargetGroup").Properties).toMatchObject({ Port: 80, HealthCheckPath: "/" });
  });

  it("maps exposed ports, mounts volumes read-only where compose says so, and lists only db as stateful", () => {
    expect(containers(t, "WebTaskDefinition").web!.PortMappings).toEqual([{ ContainerPort: 8000, Protocol: "tcp" }]);
    expect(containers(t, "NginxTaskDefinition").nginx!.MountPoints).toEqual([{ SourceVolume: "static", ContainerPath: "/srv/static", ReadOnly: true }]);
    const outputs = t.Outputs as Record<string, { Value: Json }>;
    expect(outputs.StatefulServiceArns!.Value).toEqual({ "Fn::Join": ["=", ["db", { Ref: "DbService" }]] });
    expect(outputs.ServiceImages!.Value).toBe(`web=${django.images.web}`);
  });

  it("passes the compose loader's warnings on", () => {
    const warning = { code: "volume-not-shared", message: "volumes.static: not shared", file: "docker-compose.yml", line: 29 };
    const withWarning = render({ ...django, project: { ...django.project, warnings: [warning] } });
    expect(stack.warnings).toEqual([]);
    expect(withWarning.warnings).toEqual([warning]);
  });
});

describe("buildTemplate: Node + MySQL + Redis", () => {
  const t = render(node).template;

  it("sizes every task from the repository's resources", () => {
    for (const id of ["AppTaskDefinition", "MysqlTaskDefinition", "RedisTaskDefinition", "ReleaseTaskDefinition"]) {
      expect(resource(t, id).Properties, id).toMatchObject({ Cpu: "512", Memory: "1024" });
    }
  });

  it("starts app after both of its dependencies", () => {
    expect(resource(t, "AppService").DependsOn).toEqual(["MysqlService", "PublicListenerRule", "RedisService"]);
    expect(resource(t, "PublicTargetGroup").Properties.Port).toBe(3000);
    const outputs = t.Outputs as Record<string, { Value: Json }>;
    expect(outputs.StatefulServiceArns!.Value).toEqual({
      "Fn::Join": [",", [{ "Fn::Join": ["=", ["mysql", { Ref: "MysqlService" }]] }, { "Fn::Join": ["=", ["redis", { Ref: "RedisService" }]] }]],
    });
  });
});

describe("buildTemplate: several services built from the repository", () => {
  const stack = render(multi);
  const t = stack.template;

  it("gives each built service its own image, secrets and size, and config values win over compose", () => {
    const api = containers(t, "ApiTaskDefinition").api!;
    const worker = containers(t, "WorkerTaskDefinition").worker!;
    expect(api.Image).toBe("registry.example/api:abc");
    expect(worker.Image).toBe("registry.example/worker:abc");
    // DATABASE_URL is a secret: the compose value is dropped from the plain environment.
    expect(api.Environment).toEqual([
      { Name: "FEATURE_X", Value: "true" },
      { Name: "LOG_LEVEL", Value: "info" },
    ]);
    const secrets = [
      { Name: "DATABASE_URL", ValueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/app/database_url" },
      { Name: "STRIPE_KEY", ValueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-AbCdEf" },
    ];
    expect(api.Secrets).toEqual(secrets);
    expect(worker.Secrets).toEqual(secrets);
    expect(containers(t, "DbTaskDefinition").db!.Secrets).toBeUndefined();
    expect(JSON.stringify(t)).not.toContain("postgres://app:app@db/app");
    expect(resource(t, "ApiTaskDefinition").Properties).toMatchObject({ Cpu: "1024", Memory: "4096" });
    expect(resource(t, "WorkerTaskDefinition").Properties).toMatchObject({ Cpu: "512", Memory: "2048" });
  });

  it("rolls both built services with zero downtime; only the public one sits behind the load balancer", () => {
    for (const id of ["ApiService", "WorkerService"]) {
      expect(resource(t, id).Properties.DeploymentConfiguration, id).toEqual({
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      });
    }
    expect(resource(t, "WorkerService").Properties.LoadBalancers).toBeUndefined();
    expect(resource(t, "WorkerService").DependsOn).toEqual(["ApiService"]);
    expect(resource(t, "ApiTaskDefinition").Properties.ContainerDefinitions[1].PortMappings).toEqual([{ ContainerPort: 8080, Protocol: "tcp" }]);
  });

  it("runs release steps as the configured service, with its image and size", () => {
    expect(stack).toMatchObject({ publicService: "api", port: 8080, releaseService: "worker", release: [{ name: "migrate", command: ["bin/migrate", "--all"] }] });
    const release = containers(t, "ReleaseTaskDefinition").release!;
    expect(release.Image).toBe("registry.example/worker:abc");
    expect(release.Command).toEqual(["bundle", "exec", "sidekiq"]);
    expect(resource(t, "ReleaseTaskDefinition").Properties).toMatchObject({ Cpu: "512", Memory: "2048" });
    const outputs = t.Outputs as Record<string, { Value: Json }>;
    expect(outputs.ServiceImages!.Value).toBe("api=registry.example/api:abc,worker=registry.example/worker:abc");
  });

  it("gives the database its health check, every timing as the compose file set it", () => {
    expect(containers(t, "DbTaskDefinition").db!.HealthCheck).toEqual({ Command: ["CMD", "pg_isready"], Interval: 5, Timeout: 2, Retries: 10, StartPeriod: 300 });
    expect(stack.warnings).toEqual([]);
  });
});

describe("buildTemplate: hold (release phase of a deploy)", () => {
  const serving = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:old";

  it("keeps the serving image on web while the release task gets the new one", () => {
    const t = render({ ...rails, hold: { servingImages: { web: serving } } }).template;
    expect(containers(t, "WebTaskDefinition").web!.Image).toBe(serving);
    expect(resource(t, "WebService").Properties.DesiredCount).toBe(1);
    expect(containers(t, "ReleaseTaskDefinition").release!.Image).toBe(rails.images.web);
    expect(containers(t, "DbTaskDefinition").db!.Image).toBe("public.ecr.aws/docker/library/postgres:16-alpine");
    expect((t.Outputs as Json).ServiceImages.Value).toBe(`web=${serving}`);
  });

  it("on a first deploy starts no built service yet, but the database runs for the release steps", () => {
    const t = render({ ...rails, hold: {} }).template;
    expect(resource(t, "WebService").Properties.DesiredCount).toBe(0);
    expect(resource(t, "DbService").Properties.DesiredCount).toBe(1);
    expect(containers(t, "ReleaseTaskDefinition").release!.Image).toBe(rails.images.web);
    expect(t.Outputs).not.toHaveProperty("ServiceImages");
  });

  it("starts no tasks for a built service that is not serving yet (new in this commit)", async () => {
    const t = render({ ...multi, hold: { servingImages: { api: "registry.example/api:old" } } }).template;
    expect(resource(t, "ApiService").Properties.DesiredCount).toBe(1);
    expect(containers(t, "ApiTaskDefinition").api!.Image).toBe("registry.example/api:old");
    expect(resource(t, "WorkerService").Properties.DesiredCount).toBe(0);
    expect((t.Outputs as Json).ServiceImages.Value).toBe("api=registry.example/api:old");
    expect(await lintTemplate(t, "multi-hold")).toEqual([]);
  });
});

describe("buildTemplate: container options", () => {
  const full = service("app", {
    image: "ghcr.io/acme/app:1",
    entrypoint: ["/entry.sh"],
    command: ["serve", "--port", "8080"],
    workingDir: "/srv",
    user: "1000:1000",
    init: true,
    readOnly: true,
    stopGracePeriodSeconds: 90,
    labels: { "z.label": "2", "a.label": "1" },
    ulimits: [{ name: "nofile", soft: 1024, hard: 4096 }],
    tty: true,
    stdinOpen: true,
    capAdd: ["SYS_PTRACE"],
    capDrop: ["NET_RAW"],
    ports: [
      { target: 8080, protocol: "tcp" },
      { target: 8080, published: 80, protocol: "tcp" },
      { target: 5353, protocol: "udp" },
    ],
    volumes: [
      { target: "/tmp", readOnly: false },
      { name: "cache", target: "/cache", readOnly: false },
      { name: "cache", target: "/cache2", readOnly: true },
    ],
    line: 7,
  });
  const stack = render({ project: project(full), config: config({ port: 8080 }), images: {} });

  it("translates every option Fargate honours", async () => {
    const { Properties } = resource(stack.template, "AppTaskDefinition");
    expect(Properties.Volumes).toEqual([{ Name: "anonymous-0" }, { Name: "cache" }]);
    expect(Properties.ContainerDefinitions[1]).toEqual({
      Name: "app",
      Image: "ghcr.io/acme/app:1",
      Essential: true,
      EntryPoint: ["/entry.sh"],
      Command: ["serve", "--port", "8080"],
      WorkingDirectory: "/srv",
      User: "1000:1000",
      DependsOn: [{ ContainerName: "berth-dns-init", Condition: "SUCCESS" }],
      LogConfiguration: DNS_INIT.LogConfiguration,
      PortMappings: [
        { ContainerPort: 8080, Protocol: "tcp" },
        { ContainerPort: 5353, Protocol: "udp" },
      ],
      MountPoints: [
        { SourceVolume: "anonymous-0", ContainerPath: "/tmp", ReadOnly: false },
        { SourceVolume: "cache", ContainerPath: "/cache", ReadOnly: false },
        { SourceVolume: "cache", ContainerPath: "/cache2", ReadOnly: true },
      ],
      LinuxParameters: { InitProcessEnabled: true, Capabilities: { Add: ["SYS_PTRACE"], Drop: ["NET_RAW"] } },
      ReadonlyRootFilesystem: true,
      StopTimeout: 90,
      DockerLabels: { "a.label": "1", "z.label": "2" },
      Ulimits: [{ Name: "nofile", SoftLimit: 1024, HardLimit: 4096 }],
      PseudoTerminal: true,
      Interactive: true,
    });
    expect(await lintTemplate(stack.template, "options")).toEqual([]);
  });

  it("maps a configured port the compose file does not list, so the load balancer can reach it", () => {
    const t = render({ project: project(service("app", { image: "app:1", ports: [{ target: 80, protocol: "tcp" }] })), config: config({ port: 9000 }), images: {} }).template;
    expect(containers(t, "AppTaskDefinition").app!.PortMappings).toEqual([
      { ContainerPort: 80, Protocol: "tcp" },
      { ContainerPort: 9000, Protocol: "tcp" },
    ]);
  });

  it("maps exposed udp ports over udp and port ranges as container port ranges, which cfn-lint accepts", async () => {
    const turn = service("turn", {
      image: "coturn/coturn:4.6",
      ports: [{ target: 3478, protocol: "tcp" }],
      exposeUdp: [3478],
      portRanges: [{ first: 49160, last: 49200, protocol: "udp" }],
    });
    const t = render({ project: project(turn), config: config({ service: "turn", port: 3478 }), images: {} }).template;
    expect(containers(t, "TurnTaskDefinition").turn!.PortMappings).toEqual([
      { ContainerPort: 3478, Protocol: "tcp" },
      { ContainerPort: 3478, Protocol: "udp" },
      { ContainerPortRange: "49160-49200", Protocol: "udp" },
    ]);
    expect(await lintTemplate(t, "port-ranges")).toEqual([]);
  });

  it("keeps logical IDs and families apart for names that sanitize alike or clash with its own", () => {
    const t = render({
      project: project(
        service("my-app", { image: "a:1", ports: [{ target: 80, protocol: "tcp" }] }),
        service("my_app", { image: "b:1" }),
        service("release", { image: "c:1" }),
      ),
      config: config(),
      images: {},
    }).template;
    expect(idsOfType(t, "AWS::ECS::Service").sort()).toEqual(["MyApp2Service", "MyAppService", "Release2Service"]);
    expect(resource(t, "Release2TaskDefinition").Properties.Family).toBe(`berth-${LABEL}-release-2`);
    expect(resource(t, "ReleaseTaskDefinition").Properties.Family).toBe(`berth-${LABEL}-release`);
    expect(resource(t, "MyApp2TaskDefinition").Properties.Family).toBe(`berth-${LABEL}-my_app`);
  });

  it("takes the release service's image from compose when nothing is built", () => {
    const stack = render({ project: project(service("web", { image: "nginx:1", ports: [{ target: 80, protocol: "tcp" }] })), config: config(), images: {} });
    expect(stack.releaseService).toBe("web");
    expect(containers(stack.template, "ReleaseTaskDefinition").release!.Image).toBe("public.ecr.aws/docker/library/nginx:1");
    expect(stack.template.Outputs).not.toHaveProperty("ServiceImages");
    expect(stack.template.Outputs).not.toHaveProperty("StatefulServiceArns");
  });

  it("refuses to render a built service without its image (a caller's mistake, not the user's)", () => {
    expect(() => render({ ...rails, images: {} })).toThrow("buildTemplate: no image given for service web, which has build:");
  });
});
