import type { ComposeHealthcheck, ComposeService } from "../compose/model.js";
import { replaceDeployTimeValues } from "../config/preview-placeholders.js";
import { FILES_ROOT, IMAGE_FILES_CONTAINER, imageFilesScript, type FileVolume, type MountedFilesPlan } from "./mounted-files.js";
import type { TmpfsVolume } from "./task-definition.js";
import type { Value } from "./template/intrinsics.js";
import type { ContainerDefinition, HealthCheck, LogConfiguration, PortMapping } from "./template/resource-types.js";

/** The init container that makes compose service names resolve in every task of a preview. */
export const DNS_INIT_CONTAINER = "berth-dns-init";
/** Its image: a shell, `sed` and nothing else, from ECR Public (no Docker Hub rate limits). */
export const DNS_INIT_IMAGE = "public.ecr.aws/docker/library/busybox:stable";

/** Where a task's containers send their output: the base stack's log group, one prefix per preview. */
export interface LogSettings {
  group: Value;
  region: Value;
  /** The preview label; streams read `<label>/<container>/<task-id>`. */
  streamPrefix: string;
}

/** What goes into one compose service's container, decided by the template builder. */
export interface ContainerInput {
  service: ComposeService;
  /** Container name: the service's name, or `release` for the release task. */
  name: string;
  image: string;
  /** compose environment and config `environment`, merged; secrets are taken out of it here. */
  environment: Record<string, string>;
  /** variable -> SSM parameter or Secrets Manager ARN. */
  secrets: Record<string, string>;
  logging: LogSettings;
  /** The task-level volume name of each of the service's mounts, by index in `service.volumes`. */
  volumeNames: readonly string[];
  /** The volumes holding the service's mounted files (repository files, secrets, configs). */
  fileVolumes?: readonly FileVolume[];
  /** Long-running container (ports and health check) or the release task's (command overridden by RunTask). */
  role: "service" | "release";
  /** A port the load balancer needs mapped even when the compose file does not list it. */
  extraPort?: number;
  /**
   * The preview's URL and host name as template expressions, put where the compose file and the
   * config asked for them (`${PREVIEW_URL}`, `{host}`): environment, command, entrypoint, labels and
   * health check.
   */
  address: { url: string; host: string };
}

/**
 * The ECS container definition of a compose service: image, command, environment (sorted, with
 * secrets as `valueFrom` references only), ports, health check, mounts, logging and the Docker
 * options Fargate honours. It waits for the DNS init container. The service's values are already
 * within what Fargate takes: loadCompose clamps health checks and the stop timeout and keeps only
 * the nofile ulimit, with a warning for each change.
 */
export function buildContainerDefinition(input: ContainerInput): ContainerDefinition {
  const service = withAddress(input.service, input.address);
  const secretNames = Object.keys(input.secrets).sort();
  const environment = Object.keys(input.environment)
    .filter((name) => !(name in input.secrets))
    .sort()
    .map((name) => ({ Name: name, Value: replaceDeployTimeValues(input.environment[name]!, input.address) }));

  const container: ContainerDefinition = {
    Name: input.name,
    Image: input.image,
    Essential: true,
    ...(service.entrypoint ? { EntryPoint: service.entrypoint } : {}),
    ...(service.command ? { Command: service.command } : {}),
    ...(service.workingDir ? { WorkingDirectory: service.workingDir } : {}),
    ...(service.user ? { User: service.user } : {}),
    ...(environment.length > 0 ? { Environment: environment } : {}),
    ...(secretNames.length > 0 ? { Secrets: secretNames.map((name) => ({ Name: name, ValueFrom: input.secrets[name]! })) } : {}),
    DependsOn: [{ ContainerName: DNS_INIT_CONTAINER, Condition: "SUCCESS" }],
    LogConfiguration: awslogs(input.logging),
  };
  if (input.role === "service") {
    const portMappings = portMappingsOf(service, input.extraPort);
    if (portMappings.length > 0) container.PortMappings = portMappings;
    if (service.healthcheck) container.HealthCheck = healthCheckOf(service.healthcheck);
  }
  const mountPoints = [
    ...service.volumes.map((mount, i) => ({ SourceVolume: input.volumeNames[i]!, ContainerPath: mount.target, ReadOnly: mount.readOnly })),
    ...(input.fileVolumes ?? []).map((v) => ({ SourceVolume: v.volume, ContainerPath: v.containerPath, ReadOnly: v.readOnly })),
  ];
  if (mountPoints.length > 0) container.MountPoints = mountPoints;
  const capabilities = {
    ...(service.capAdd?.length ? { Add: service.capAdd } : {}),
    ...(service.capDrop?.length ? { Drop: service.capDrop } : {}),
  };
  if (service.init || Object.keys(capabilities).length > 0) {
    container.LinuxParameters = {
      ...(service.init ? { InitProcessEnabled: true } : {}),
      ...(Object.keys(capabilities).length > 0 ? { Capabilities: capabilities } : {}),
    };
  }
  if (service.readOnly) container.ReadonlyRootFilesystem = true;
  if (service.stopGracePeriodSeconds !== undefined) container.StopTimeout = service.stopGracePeriodSeconds;
  if (Object.keys(service.labels).length > 0) container.DockerLabels = sortedRecord(service.labels);
  if (service.ulimits.length > 0) container.Ulimits = service.ulimits.map((u) => ({ Name: u.name, SoftLimit: u.soft, HardLimit: u.hard }));
  if (service.tty) container.PseudoTerminal = true;
  if (service.stdinOpen) container.Interactive = true;
  return container;
}

/** The service with the preview's address in place of its stand-ins, in every key that may hold one. */
function withAddress(service: ComposeService, address: ContainerInput["address"]): ComposeService {
  const text = (value: string) => replaceDeployTimeValues(value, address);
  const list = (values: string[] | undefined) => values?.map(text);
  const command = list(service.command);
  const entrypoint = list(service.entrypoint);
  return {
    ...service,
    ...(command ? { command } : {}),
    ...(entrypoint ? { entrypoint } : {}),
    labels: Object.fromEntries(Object.entries(service.labels).map(([k, v]) => [k, text(v)])),
    ...(service.healthcheck ? { healthcheck: { ...service.healthcheck, test: service.healthcheck.test.map(text) } } : {}),
  };
}

/** The file the DNS init container rewrites; tests run its script against a copy. */
export const RESOLV_CONF = "/etc/resolv.conf";

/**
 * The non-essential init container every task of a preview starts first. It puts the preview's
 * Cloud Map domain in front of the task's search domains, so `db` resolves as
 * `db.<label>.<namespace>`; the other containers wait for it to exit 0. It also gives the volumes
 * that stand in for a compose tmpfs the tmpfs's mode, and writes the service's mounted files (after
 * the image-files container, when there is one).
 */
export function buildDnsInitContainer(
  searchDomain: string,
  logging: LogSettings,
  tmpfs: readonly TmpfsVolume[] = [],
  files?: MountedFilesPlan,
): ContainerDefinition {
  // A task volume starts root-owned 0755; a tmpfs is writable by anyone (1777), which services
  // running as another user count on. The init container runs as root, before them.
  const mountPath = (volume: string): string => `/berth-tmpfs/${volume}`;
  const script = [buildSearchLineScript(searchDomain), ...tmpfs.map((t) => `chmod ${t.mode} ${mountPath(t.volume)}`), ...(files?.commands ?? [])].join("; ");
  const mountPoints = [
    ...tmpfs.map((t) => ({ SourceVolume: t.volume, ContainerPath: mountPath(t.volume), ReadOnly: false })),
    ...(files?.volumes ?? []).map((v) => ({ SourceVolume: v.volume, ContainerPath: `${FILES_ROOT}/${v.volume}`, ReadOnly: false })),
  ];
  const copies = files !== undefined && files.volumes.some((v) => v.keepImageFiles);
  return {
    Name: DNS_INIT_CONTAINER,
    Image: DNS_INIT_IMAGE,
    Essential: false,
    Command: ["sh", "-c", script],
    ...(files && files.environment.length > 0 ? { Environment: files.environment.map((e) => ({ Name: e.name, Value: e.value })) } : {}),
    ...(files && files.secrets.length > 0 ? { Secrets: files.secrets.map((s) => ({ Name: s.name, ValueFrom: s.valueFrom })) } : {}),
    ...(mountPoints.length > 0 ? { MountPoints: mountPoints } : {}),
    ...(copies ? { DependsOn: [{ ContainerName: IMAGE_FILES_CONTAINER, Condition: "SUCCESS" }] } : {}),
    LogConfiguration: awslogs(logging),
  };
}

/**
 * The non-essential container that runs the service's own image, as root, to copy the image's files
 * at each folder a mounted file joins into that folder's volume; the init container then writes
 * the mounted files over them. Undefined when no folder needs it. The image needs `sh` and `cp`.
 */
export function buildImageFilesContainer(image: string, files: MountedFilesPlan, logging: LogSettings): ContainerDefinition | undefined {
  const script = imageFilesScript(files.volumes);
  if (script === undefined) return undefined;
  return {
    Name: IMAGE_FILES_CONTAINER,
    Image: image,
    Essential: false,
    User: "0",
    EntryPoint: ["sh", "-c"],
    Command: [script],
    MountPoints: files.volumes
      .filter((v) => v.keepImageFiles)
      .map((v) => ({ SourceVolume: v.volume, ContainerPath: `${FILES_ROOT}/${v.volume}`, ReadOnly: false })),
    LogConfiguration: awslogs(logging),
  };
}

/**
 * The shell script (busybox sh) that makes `domain` the first search domain of /etc/resolv.conf.
 * glibc and musl both use only the last `search` line, so it drops every `search` line and writes
 * one at the end: `domain`, then the domains the file had, without repeating `domain`. Running it
 * twice gives the same file. The last line may lack its newline: the lines kept are printed again
 * with `printf '%s\n'`, so the new line never joins the old last line. The file is written in
 * place (`>`), not replaced: on Fargate it is shared by the task's containers.
 */
export function buildSearchLineScript(domain: string): string {
  return [
    "set -e",
    `f=${RESOLV_CONF}`,
    `d=${domain}`,
    "existing=$(sed -n 's/^search[[:space:]]*//p' \"$f\" | tail -n 1)",
    'list="$d"',
    'for x in $existing; do [ "$x" = "$d" ] || list="$list $x"; done',
    "kept=$(grep -v '^search[[:space:]]' \"$f\" || true)",
    '{ if [ -n "$kept" ]; then printf \'%s\\n\' "$kept"; fi; printf \'search %s\\n\' "$list"; } > "$f"',
  ].join("; ");
}

/** The awslogs driver into the base stack's log group. */
function awslogs(logging: LogSettings): LogConfiguration {
  return {
    LogDriver: "awslogs",
    Options: {
      "awslogs-group": logging.group,
      "awslogs-region": logging.region,
      "awslogs-stream-prefix": logging.streamPrefix,
    },
  };
}

/** Container ports and port ranges of `ports` and `expose` (host ports mean nothing in awsvpc), without repeats. */
function portMappingsOf(service: ComposeService, extraPort: number | undefined): PortMapping[] {
  const seen = new Set<string>();
  const out: PortMapping[] = [];
  const add = (containerPort: number, protocol: "tcp" | "udp"): void => {
    const key = `${containerPort}/${protocol}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ ContainerPort: containerPort, Protocol: protocol });
  };
  for (const port of service.ports) add(port.target, port.protocol);
  for (const port of service.expose) add(port, "tcp");
  for (const port of service.exposeUdp ?? []) add(port, "udp");
  if (extraPort !== undefined) add(extraPort, "tcp");
  for (const range of service.portRanges) out.push({ ContainerPortRange: `${range.first}-${range.last}`, Protocol: range.protocol });
  return out;
}

function healthCheckOf(hc: ComposeHealthcheck): HealthCheck {
  return {
    Command: hc.test,
    ...(hc.intervalSeconds === undefined ? {} : { Interval: hc.intervalSeconds }),
    ...(hc.timeoutSeconds === undefined ? {} : { Timeout: hc.timeoutSeconds }),
    ...(hc.retries === undefined ? {} : { Retries: hc.retries }),
    ...(hc.startPeriodSeconds === undefined ? {} : { StartPeriod: hc.startPeriodSeconds }),
  };
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
