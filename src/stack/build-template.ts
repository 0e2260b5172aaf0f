import type { ComposeProject, ComposeService } from "../compose/model.js";
import { PlaceholderError, previewValues, resolvePlaceholders } from "../config/preview-placeholders.js";
import type { RepoConfig } from "../config/schema.js";
import { InputError, type Diagnostic, type Warning } from "../errors.js";
import { hostHeaderDiagnostics, secretDiagnostics } from "./base-limits.js";
import { ACCESS_DEFAULT_OUTPUTS, baseAccessDefaults, effectiveAccess } from "./access-defaults.js";
import { addBaseParameters, fromBase } from "./base-stack.js";
import { blueGreenDeployment, blueGreenLoadBalancing, planFastRollout } from "./blue-green.js";
import { buildContainerDefinition, buildDnsInitContainer, buildImageFilesContainer, type LogSettings } from "./container-definition.js";
import { configDiagnostic, type ConfigLineOf } from "./diagnostics.js";
import { escapeLiteralPlaceholders } from "./escape-literal-placeholders.js";
import { fargateSize, resourceDiagnostics, type FargateSize } from "./fargate-size.js";
import { addPublicEndpoint } from "./load-balancer.js";
import { logicalIdPrefixes } from "./logical-ids.js";
import { encodedBytes, MAX_ENCODED_FILE_BYTES, planMountedFiles } from "./mounted-files.js";
import { containerName, previewHostLabel, previewLabel, stackName as toStackName } from "./naming.js";
import { addPreviewNetwork, addServiceDiscovery } from "./preview-network.js";
import { projectDiagnostics } from "./project-diagnostics.js";
import { anonymousPullWarning, buildPullImage, type ImageSources } from "./pull-image.js";
import { oneShotSteps, releaseSteps, selectReleaseService, type ReleaseStep } from "./release.js";
import { MAX_GATE_TIMEOUT_SECONDS, releaseGateIds, type ReleaseGate } from "./release-gate.js";
import { previewResourceTags, type ResourceTag } from "./resource-tags.js";
import { selectPublicService } from "./select-public-service.js";
import { addTaskDefinition, taskVolumes } from "./task-definition.js";
import { AWS_REGION, join, type Value } from "./template/intrinsics.js";
import { TemplateBuilder, type ResourceHandle } from "./template/template-builder.js";

/** The name of the release task's container; RunTask overrides its command. */
export const RELEASE_CONTAINER = "release";

/** The release task definition's logical id in a preview template. */
export const RELEASE_TASK_DEFINITION_ID = "ReleaseTaskDefinition";

/** Everything one preview's template is made of. */
export interface BuildTemplateInput {
  project: ComposeProject;
  config: RepoConfig;
  /** `host`: the public host name's DNS label (previewHostLabel); absent, the label without the host key. */
  target: { owner: string; repo: string; pr: number; sha: string; branch?: string; host?: string };
  /** Name of the operator's base stack, whose outputs the deploy passes as the template's `Base<Name>` parameters. */
  baseStack: string;
  /**
   * The base stack's current outputs, when known (always at deploy; `berth plan` when given). The
   * checks that need them run only then: the host name's length with the domain, secrets within
   * the preview's region, account and `SecretsPrefix`, and the Docker Hub mirror for images.
   */
  baseOutputs?: Record<string, string>;
  /** Image reference per compose service with `build:`, resolved by the caller for this commit. */
  images: Record<string, string>;
  /**
   * The release phase of a deploy: the release task runs the new images while the long-running
   * services built from the repository keep serving `servingImages[service]`; a service without a
   * serving image (first deploy, or new in this commit) gets no tasks until the final template.
   */
  hold?: { servingImages?: Record<string, string> };
  /**
   * The rollout's release gate (see release-gate.ts): the services built from the repository start
   * the new version only once berth signals that the release steps passed.
   * `publicStartsAtOnce` (a push of a blue/green preview): the public service does not wait for
   * the gate, as its pause at POST_SCALE_UP holds the new version away from traffic until berth
   * continues it; the other services built from the repository still wait. Ignored by a preview
   * that is not blue/green, whose public service would take traffic as soon as it started.
   */
  gate?: ReleaseGate & { publicStartsAtOnce?: boolean };
  /** Lines of `.github/preview.yml` keys, for diagnostics, when the caller still has the parsed file. */
  configLineOf?: ConfigLineOf;
}

/** One preview's CloudFormation stack, ready for a change set. */
export interface PreviewStack {
  stackName: string;
  label: string;
  /** The DNS label of the public host name, `<host>.<domain>`. */
  host: string;
  template: Record<string, unknown>;
  /** The compose service behind the preview URL, and its container port. */
  publicService: string;
  port: number;
  /** The compose service whose image, environment and secrets the release steps run with. */
  releaseService: string;
  /** In the order they run: the one-shot compose services (dependencies first), then migrate, then seed. */
  release: ReleaseStep[];
  /**
   * What the release steps need of the stack, by logical id, so that a first deploy can start them
   * while its create still runs (see ReleaseResources).
   */
  releaseResources: ReleaseResources;
  /**
   * The compose services that run as ECS services: the logical id of each one's service and its
   * task definition family, so that a failed rollout can name the service and find its tasks.
   */
  ecsServices: Record<string, { logicalId: string; family: string }>;
  warnings: Warning[];
}

/**
 * The resources of a preview stack that its release task needs before it runs, by logical id: its
 * task definition, the preview's security group and the rule that lets its tasks reach each other,
 * and the data services (third-party images, no `build:`) the steps may talk to.
 */
export interface ReleaseResources {
  taskDefinition: string;
  securityGroup: string;
  /** Further resources that must exist first (the security group's self-ingress rule). */
  network: string[];
  /** compose service name -> logical id of its ECS service. */
  dataServices: Record<string, string>;
}

/** How each compose service runs in the preview. */
interface ServicePlan {
  service: ComposeService;
  id: string;
  size: FargateSize;
  image: string;
  desiredCount: number;
  /** Built from the repository: receives secrets, rolls with zero downtime. */
  built: boolean;
  isPublic: boolean;
  /** Runs once per deploy as a one-off task (a task definition, no ECS service, no DNS name). */
  oneShot: boolean;
}

/**
 * Renders one pull request's preview as a single CloudFormation template: per compose service a
 * Fargate task definition, an ECS service and a Cloud Map name; for the public service a target
 * group and a host-header listener rule; a release task definition; the preview's security group.
 * Shared infrastructure comes from the base stack's outputs, as template parameters. Pure.
 * Throws InputError, with every problem found, for what cannot be deployed.
 */
export function buildTemplate(input: BuildTemplateInput): PreviewStack {
  const { project, config, target } = input;
  const lineOf = input.configLineOf;
  const label = previewLabel(target);
  const stackName = toStackName(label);
  const host = target.host ?? previewHostLabel(target, undefined);

  const diagnostics: Diagnostic[] = [...projectDiagnostics(project, config, lineOf), ...resourceDiagnostics(config.resources, lineOf)];
  // The operator's defaults for `access`, from the base stack when its outputs are known.
  const defaults = input.baseOutputs ? baseAccessDefaults({ outputs: input.baseOutputs, baseStack: input.baseStack }) : { access: {}, diagnostics: [] };
  diagnostics.push(...defaults.diagnostics);
  const access = effectiveAccess(config.access, defaults.access);
  const fastRollout = planFastRollout({
    baseOutputs: input.baseOutputs,
    baseStack: input.baseStack,
    ...(access.oidc ? { oidcFrom: access.from.oidc ?? "repository" } : {}),
    ...(lineOf ? { configLineOf: lineOf } : {}),
  });
  if (input.baseOutputs) {
    // What AWS would refuse later, said now: the limits that depend on the operator's base stack.
    diagnostics.push(
      ...hostHeaderDiagnostics({ label: host, baseStack: input.baseStack, outputs: input.baseOutputs }),
      ...secretDiagnostics({ secrets: config.secrets, outputs: input.baseOutputs, ...(lineOf ? { lineOf } : {}) }),
      ...secretDiagnostics({ secrets: config.compose_secrets, outputs: input.baseOutputs, key: "compose_secrets", ...(lineOf ? { lineOf } : {}) }),
      // berth's own role reads the sign-in secret for CloudFormation, fenced as the previews' secrets are.
      ...signInSecretDiagnostics(access, { baseStack: input.baseStack, outputs: input.baseOutputs, ...(lineOf ? { lineOf } : {}) }),
    );
  }
  const publicService = collect(diagnostics, () => selectPublicService(project, config, lineOf));
  const configSteps = collect(diagnostics, () => releaseSteps(config, lineOf));
  if (publicService?.service.oneShot) diagnostics.push(oneShotPublic(publicService.service));
  diagnostics.push(...oneShotOrderDiagnostics(project));
  const release = configSteps && [...oneShotSteps(project), ...configSteps];
  const releaseService = publicService && collect(diagnostics, () => selectReleaseService(project, config, publicService.service, lineOf));
  if (releaseService) diagnostics.push(...mountedFilesTooLarge(project, releaseService));
  const environment = configEnvironment(config.environment, target, diagnostics, lineOf);
  const warnings: Warning[] = [...project.warnings, ...startsBeforeOneShotWarnings(project), ...fastRollout.warnings];
  const sizes = new Map<string, FargateSize>();
  if (diagnostics.length === 0) {
    for (const service of project.services) {
      const sized = collect(diagnostics, () => fargateSize({ service, resources: config.resources, ...(lineOf ? { configLineOf: lineOf } : {}) }));
      if (sized) {
        sizes.set(service.name, sized.size);
        warnings.push(...sized.warnings);
      }
    }
  }
  if (diagnostics.length > 0 || !publicService || !release || !releaseService) throw new InputError(diagnostics);
  const sources = imageSources(input.baseOutputs);
  for (const service of project.services) {
    const warning = anonymousPullWarning(service, sources);
    if (warning) warnings.push(warning);
  }

  const ids = logicalIdPrefixes(project.services.map((s) => s.name));
  const plans: ServicePlan[] = project.services.map((service) => {
    const built = service.build !== undefined;
    const newImage = imageOf(service, input.images, sources);
    let image = newImage;
    let desiredCount = 1;
    // A one-shot service runs the new image in the release phase: it prepares what the new version needs.
    if (built && input.hold && !service.oneShot) {
      const serving = input.hold.servingImages?.[service.name];
      if (serving === undefined) desiredCount = 0;
      else image = serving;
    }
    return {
      service,
      id: ids.get(service.name)!,
      size: sizes.get(service.name)!,
      image,
      desiredCount,
      built,
      isPublic: service.name === publicService.service.name,
      oneShot: service.oneShot === true,
    };
  });

  let releaseResources: ReleaseResources | undefined;
  let ecsServiceIds: PreviewStack["ecsServices"] | undefined;
  const template = renderTemplate(`berth preview of ${target.owner}/${target.repo}#${target.pr}`, (builder) => {
    addBaseParameters(builder, input.baseStack);
    const network = addPreviewNetwork(builder, label);
    const logging: LogSettings = { group: fromBase("LogGroup"), region: AWS_REGION, streamPrefix: label };
    const endpoint = addPublicEndpoint(builder, {
      label,
      host,
      port: publicService.port,
      healthPath: config.healthcheck.path,
      ...(access.allow_cidrs ? { allowCidrs: access.allow_cidrs } : {}),
      ...(access.oidc ? { oidc: access.oidc } : {}),
      ...(fastRollout.roleArn ? { blueGreen: true } : {}),
    });
    const families = familyNames(label, project.services);
    // Text from the compose file and the config holds the address; the template joins it in at deploy time.
    const address = { url: builder.embed(join("", ["https://", endpoint.hostname])), host: builder.embed(endpoint.hostname) };

    const gate = input.gate && addReleaseGate(builder, input.gate);
    const ecsServices = new Map<string, ResourceHandle<"AWS::ECS::Service">>();
    const oneShotTaskDefinitions: Array<[string, Value]> = [];
    for (const plan of plans) {
      const { service } = plan;
      const secrets = plan.built || plan.isPublic ? config.secrets : {};
      const { volumes, volumeNames, tmpfs } = taskVolumes(service);
      const files = planMountedFiles(service.files, address);
      const container = buildContainerDefinition({
        service,
        name: containerName(service.name),
        image: plan.image,
        environment: plan.built || plan.isPublic ? { ...service.environment, ...environment } : service.environment,
        secrets,
        logging,
        volumeNames,
        fileVolumes: files.volumes,
        role: "service",
        address,
        ...(plan.isPublic ? { extraPort: publicService.port } : {}),
      });
      const imageFiles = buildImageFilesContainer(plan.image, files, logging);
      const taskDefinition = addTaskDefinition(builder, `${plan.id}TaskDefinition`, {
        family: families.get(service.name)!,
        size: plan.size,
        containers: [...(imageFiles ? [imageFiles] : []), buildDnsInitContainer(network.searchDomain, logging, tmpfs, files), container],
        volumes: [...volumes, ...files.volumes.map((v) => v.volume)],
        tags: previewResourceTags(),
      });
      if (plan.oneShot) {
        oneShotTaskDefinitions.push([service.name, taskDefinition.ref]);
        continue;
      }
      const discovery = addServiceDiscovery(builder, `${plan.id}Discovery`, service.name, label);
      const zeroDowntime = plan.built || plan.isPublic;
      const blueGreen = plan.isPublic && fastRollout.roleArn !== undefined;
      const ecsService = builder.addResource(`${plan.id}Service`, "AWS::ECS::Service", {
        Cluster: fromBase("ClusterName"),
        LaunchType: "FARGATE",
        PlatformVersion: "LATEST",
        TaskDefinition: taskDefinition.ref,
        DesiredCount: plan.desiredCount,
        DeploymentConfiguration: blueGreen
          ? blueGreenDeployment()
          : {
              // A third-party image (a database) must never run twice over the same data: stop, then start.
              MinimumHealthyPercent: zeroDowntime ? 100 : 0,
              MaximumPercent: zeroDowntime ? 200 : 100,
              DeploymentCircuitBreaker: { Enable: true, Rollback: true },
            },
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            Subnets: network.subnets,
            SecurityGroups: network.securityGroups,
            AssignPublicIp: network.assignPublicIp,
          },
        },
        ServiceRegistries: [{ RegistryArn: discovery.getAtt("Arn") }],
        EnableECSManagedTags: true,
        PropagateTags: "SERVICE",
        Tags: previewResourceTags(),
        ...(plan.isPublic
          ? {
              HealthCheckGracePeriodSeconds: config.healthcheck.grace_period,
              LoadBalancers: [
                {
                  ContainerName: containerName(service.name),
                  ContainerPort: publicService.port,
                  TargetGroupArn: endpoint.targetGroup.ref,
                  ...(blueGreen ? { AdvancedConfiguration: blueGreenLoadBalancing(endpoint, fastRollout.roleArn!) } : {}),
                },
              ],
            }
          : {}),
      });
      // ECS refuses a target group that no listener uses yet.
      if (plan.isPublic) ecsService.addDependency(endpoint.listenerRule);
      // The new version starts only after the release steps passed; the data services need not wait,
      // nor, on a push, a blue/green public service: its pause keeps the new version from traffic.
      if (gate && plan.built && !(blueGreen && input.gate?.publicStartsAtOnce)) ecsService.addDependency(gate);
      ecsServices.set(service.name, ecsService);
    }
    for (const plan of plans) {
      const ecsService = ecsServices.get(plan.service.name);
      // A one-shot dependency has run, and succeeded, before the final template starts its dependents.
      for (const dep of plan.service.dependsOn) {
        const before = ecsServices.get(dep.service);
        if (ecsService && before) ecsService.addDependency(before);
      }
    }

    const releaseTaskDefinition = addReleaseTaskDefinition(builder, {
      service: releaseService,
      image: imageOf(releaseService, input.images, sources),
      family: releaseFamily(label),
      size: sizes.get(releaseService.name)!,
      environment: { ...releaseService.environment, ...environment },
      secrets: config.secrets,
      logging,
      address,
      searchDomain: network.searchDomain,
      tags: previewResourceTags(),
    });

    const publicEcs = ecsServices.get(publicService.service.name)!;
    const longRunning = plans.filter((p) => !p.oneShot);
    const pairs = (list: ServicePlan[]): Value => join(",", list.map((p) => join("=", [p.service.name, ecsServices.get(p.service.name)!.ref])));
    const stateful = longRunning.filter((p) => !p.built && !p.isPublic);
    releaseResources = {
      taskDefinition: releaseTaskDefinition.logicalId,
      securityGroup: network.securityGroup.logicalId,
      network: [network.selfIngress.logicalId],
      dataServices: Object.fromEntries(stateful.map((p) => [p.service.name, ecsServices.get(p.service.name)!.logicalId])),
    };
    ecsServiceIds = Object.fromEntries([...ecsServices].map(([name, service]) => [name, { logicalId: service.logicalId, family: families.get(name)! }]));
    const running = longRunning.filter((p) => p.built && p.desiredCount > 0);
    const outputs: Record<string, Value | undefined> = {
      Hostname: endpoint.hostname,
      Url: join("", ["https://", host, ".", fromBase("Domain")]),
      PublicServiceArn: publicEcs.ref,
      PublicServiceName: publicEcs.getAtt("Name"),
      ServiceArns: pairs(longRunning),
      // CloudFormation refuses an output with an empty value: an empty list is an absent output.
      StatefulServiceArns: stateful.length > 0 ? pairs(stateful) : undefined,
      ReleaseTaskDefinitionArn: releaseTaskDefinition.ref,
      ReleaseContainerName: RELEASE_CONTAINER,
      OneShotTaskDefinitions:
        oneShotTaskDefinitions.length > 0 ? join(",", oneShotTaskDefinitions.map(([name, ref]) => join("=", [name, ref]))) : undefined,
      TargetGroupArn: endpoint.targetGroup.ref,
      // A blue/green preview's second target group and the rule ECS moves between the two.
      AlternateTargetGroupArn: endpoint.alternateTargetGroup?.ref,
      ListenerRuleArn: endpoint.alternateTargetGroup ? endpoint.listenerRule.ref : undefined,
      TaskSubnets: fromBase("Subnets"),
      TaskSecurityGroups: join(",", network.securityGroups),
      AssignPublicIp: network.assignPublicIp,
      ServiceImages: running.length > 0 ? running.map((p) => `${p.service.name}=${p.image}`).join(",") : undefined,
      LogGroup: logging.group,
      LogStreamPrefix: label,
      ListenerRulePriority: endpoint.priority,
    };
    for (const [name, value] of Object.entries(outputs)) {
      if (value !== undefined) builder.addOutput(name, value);
    }
  });

  const json = JSON.stringify(template);
  // A deploy-time stand-in outside the keys that take one was refused when the compose file loaded.
  if (json.includes("\\u0000")) throw new Error("buildTemplate: a stand-in for the preview's address reached the template");
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_INLINE_TEMPLATE_BYTES) throw new InputError([templateTooLarge(project, bytes)]);

  return {
    stackName,
    label,
    host,
    template,
    publicService: publicService.service.name,
    port: publicService.port,
    releaseService: releaseService.name,
    release,
    releaseResources: releaseResources!,
    ecsServices: ecsServiceIds!,
    warnings,
  };
}

/**
 * The sign-in client secret against what berth's role may resolve: on its `access.oidc` line when
 * the repository gave it, on the base stack's `DefaultOidc` output when the operator did.
 */
function signInSecretDiagnostics(
  access: ReturnType<typeof effectiveAccess>,
  input: { baseStack: string; outputs: Record<string, string>; lineOf?: ConfigLineOf },
): Diagnostic[] {
  if (!access.oidc) return [];
  const found = secretDiagnostics({
    secrets: { client_secret: access.oidc.client_secret },
    outputs: input.outputs,
    key: ["access", "oidc"],
    reader: "berth's role (CloudFormation resolves the secret with it)",
    ...(input.lineOf ? { lineOf: input.lineOf } : {}),
  });
  if (access.from.oidc === "repository") return found;
  const output = ACCESS_DEFAULT_OUTPUTS.oidc;
  return found.map((d) => ({ file: `base stack ${input.baseStack}`, path: output, message: d.message.replace(/^access\.oidc\.client_secret: /, `${output}: client_secret: `) }));
}

/** A one-shot service exits: it cannot answer on the preview URL. */
function oneShotPublic(service: ComposeService): Diagnostic {
  return {
    file: service.file,
    ...(service.line === undefined ? {} : { line: service.line }),
    path: `services.${service.name}`,
    message: `services.${service.name}: runs once and exits (a service waits for it with service_completed_successfully, or it has restart: "no"), so it cannot answer on the preview URL; set \`service\` in .github/preview.yml to a long-running service`,
  };
}

/**
 * One-shot services run before the rollout, while the services built from the repository still
 * run the previous version (none on the first deploy): one cannot wait for such a service.
 */
function oneShotOrderDiagnostics(project: ComposeProject): Diagnostic[] {
  const byName = new Map(project.services.map((s) => [s.name, s]));
  return project.services.flatMap((service) =>
    !service.oneShot
      ? []
      : service.dependsOn
          .filter((d) => !byName.get(d.service)?.oneShot && byName.get(d.service)?.build !== undefined)
          .map((d) => ({
            file: service.file,
            ...(service.line === undefined ? {} : { line: service.line }),
            path: `services.${service.name}.depends_on`,
            message: `services.${service.name}.depends_on: "${service.name}" runs once before the new version rolls out, but waits for "${d.service}", which is built from the repository and starts only after the one-shot services succeeded; run it as a command of "${d.service}" instead, or drop the dependency`,
          })),
  );
}

/**
 * A service not built from the repository (a database, MinIO) runs from the release phase on,
 * across deploys, so it is up before the one-shot services run: it cannot wait for one of them.
 */
function startsBeforeOneShotWarnings(project: ComposeProject): Warning[] {
  const oneShots = new Set(project.services.filter((s) => s.oneShot).map((s) => s.name));
  return project.services.flatMap((service) =>
    service.oneShot || service.build !== undefined
      ? []
      : service.dependsOn
          .filter((d) => oneShots.has(d.service))
          .map((d) => ({
            code: "starts-before-one-shot",
            file: service.file,
            ...(service.line === undefined ? {} : { line: service.line }),
            message: `services.${service.name}.depends_on.${d.service}: "${service.name}" starts before the one-shot service "${d.service}" runs: services not built from the repository start in the release phase and keep running across deploys, and one-shot services run after it`,
          })),
  );
}

/**
 * Mounted files travel in the template, once per task definition that mounts them (the release
 * task's service carries its files twice): more than MAX_ENCODED_FILE_BYTES is refused at plan
 * time, naming the largest.
 */
function mountedFilesTooLarge(project: ComposeProject, releaseService: ComposeService): Diagnostic[] {
  const mounts = project.services.flatMap((service) => service.files.map((mount) => ({ service, mount, bytes: encodedBytes(mount) })));
  const again = mounts.filter((m) => m.service === releaseService).reduce((sum, m) => sum + m.bytes, 0);
  const total = mounts.reduce((sum, m) => sum + m.bytes, 0) + again;
  if (total <= MAX_ENCODED_FILE_BYTES) return [];
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const largest = [...mounts].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
  const first = largest[0]!.mount;
  const parts = largest.map((m) => `${m.service.name}: ${m.mount.label} ${kib(m.bytes)}`);
  if (again > 0) parts.push(`the release task carries ${releaseService.name}'s again`);
  return [
    {
      file: first.file,
      ...(first.line === undefined ? {} : { line: first.line }),
      path: "services",
      message:
        `services: the files mounted into the preview's containers take ${kib(total)} of its stack template once compressed (${parts.join("; ")}); ` +
        `berth carries at most ${kib(MAX_ENCODED_FILE_BYTES)}: build the larger ones into their images (COPY in the Dockerfile)`,
    },
  ];
}

/** CloudFormation's limit for a template sent inline (TemplateBody), which is how berth sends it. */
export const MAX_INLINE_TEMPLATE_BYTES = 51_200;

/** Too many services for one inline template: said at plan time, where the compose file can still change. */
function templateTooLarge(project: ComposeProject, bytes: number): Diagnostic {
  const first = project.services[0]!;
  const count = project.services.length;
  const perService = Math.ceil(bytes / count / 1024);
  return {
    file: first.file,
    ...(first.line === undefined ? {} : { line: first.line }),
    path: "services",
    message:
      `services: the preview's CloudFormation template would be ${bytes.toLocaleString("en-US")} bytes for ${count} services (about ${perService} KB each), ` +
      `over the ${MAX_INLINE_TEMPLATE_BYTES.toLocaleString("en-US")} bytes CloudFormation accepts; leave services out of the preview with \`profiles\` (in an override file listed under \`compose\` in .github/preview.yml)`,
  };
}

/** The release task: one essential container, `release`, that RunTask starts with a step's command. */
function addReleaseTaskDefinition(
  template: TemplateBuilder,
  input: {
    service: ComposeService;
    image: string;
    family: string;
    size: FargateSize;
    environment: Record<string, string>;
    secrets: Record<string, string>;
    logging: LogSettings;
    address: { url: string; host: string };
    searchDomain: string;
    tags: ResourceTag[];
  },
) {
  const { volumes, volumeNames, tmpfs } = taskVolumes(input.service);
  const files = planMountedFiles(input.service.files, input.address);
  const container = buildContainerDefinition({
    service: input.service,
    name: RELEASE_CONTAINER,
    image: input.image,
    environment: input.environment,
    secrets: input.secrets,
    logging: input.logging,
    volumeNames,
    fileVolumes: files.volumes,
    role: "release",
    address: input.address,
  });
  const imageFiles = buildImageFilesContainer(input.image, files, input.logging);
  return addTaskDefinition(template, RELEASE_TASK_DEFINITION_ID, {
    family: input.family,
    size: input.size,
    containers: [...(imageFiles ? [imageFiles] : []), buildDnsInitContainer(input.searchDomain, input.logging, tmpfs, files), container],
    volumes: [...volumes, ...files.volumes.map((v) => v.volume)],
    tags: input.tags,
  });
}

/** Renders the template `define` declares, with the literal `${...}` in its resources marked as such. */
function renderTemplate(description: string, define: (builder: TemplateBuilder) => void): Record<string, unknown> {
  const builder = new TemplateBuilder(description);
  define(builder);
  const template = builder.render();
  return { ...template, Resources: escapeLiteralPlaceholders(template.Resources) };
}

/** A built service's image for this commit; a compose `image:` from where the operator wants Docker Hub's images pulled. */
function imageOf(service: ComposeService, images: Record<string, string>, sources: ImageSources): string {
  if (service.build) {
    const image = images[service.name];
    if (image === undefined) throw new Error(`buildTemplate: no image given for service ${service.name}, which has build:`);
    return image;
  }
  return buildPullImage(service.image!, sources);
}

/** The Docker Hub mirror settings among the base stack's outputs; none when they are unknown or unset. */
function imageSources(outputs: Record<string, string> | undefined): ImageSources {
  const mirror = outputs?.DockerHubMirror;
  return {
    ...(mirror ? { dockerHubMirror: mirror } : {}),
    ...(outputs?.OfficialImagesFrom === "docker-hub-mirror" ? { officialImagesFrom: "docker-hub-mirror" as const } : {}),
  };
}

/**
 * Task definition families `berth-<label>-<service>`, distinct from each other and from the release
 * family. The `berth-` prefix is what the bot's IAM policy allows RunTask on (deploy/bot.yml).
 */
const FAMILY_PREFIX = "berth-";

/** Adds a release gate's handle and wait condition (one SUCCESS signal); returns the wait condition. */
function addReleaseGate(builder: TemplateBuilder, gate: ReleaseGate): ResourceHandle<"AWS::CloudFormation::WaitCondition"> {
  const ids = releaseGateIds(gate);
  const timeout = Math.min(Math.max(1, Math.ceil(gate.timeoutSeconds)), MAX_GATE_TIMEOUT_SECONDS);
  const handle = builder.addResource(ids.handle, "AWS::CloudFormation::WaitConditionHandle", {});
  return builder.addResource(ids.condition, "AWS::CloudFormation::WaitCondition", { Handle: handle.ref, Timeout: String(timeout), Count: 1 });
}

/** The release task definition's family: `berth-<label>-release`. */
export function releaseFamily(label: string): string {
  return `${FAMILY_PREFIX}${label}-release`;
}

function familyNames(label: string, services: readonly ComposeService[]): Map<string, string> {
  const taken = new Set([releaseFamily(label)]);
  const out = new Map<string, string>();
  for (const service of services) {
    const base = `${FAMILY_PREFIX}${label}-${containerName(service.name)}`;
    let family = base;
    for (let n = 2; taken.has(family); n += 1) family = `${base}-${n}`;
    taken.add(family);
    out.set(service.name, family);
  }
  return out;
}

/** The config's `environment` with its placeholders resolved for this pull request; a problem becomes a diagnostic. */
function configEnvironment(
  environment: Record<string, string>,
  target: BuildTemplateInput["target"],
  diagnostics: Diagnostic[],
  lineOf: ConfigLineOf | undefined,
): Record<string, string> {
  const values = previewValues(target);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    try {
      out[name] = resolvePlaceholders(value, values);
    } catch (error) {
      if (!(error instanceof PlaceholderError)) throw error;
      diagnostics.push(configDiagnostic(["environment", name], error.message, lineOf));
    }
  }
  return out;
}

/** Runs a step that may throw InputError, adding its diagnostics instead of stopping. */
function collect<T>(diagnostics: Diagnostic[], step: () => T): T | undefined {
  try {
    return step();
  } catch (error) {
    if (error instanceof InputError) {
      diagnostics.push(...error.diagnostics);
      return undefined;
    }
    throw error;
  }
}
