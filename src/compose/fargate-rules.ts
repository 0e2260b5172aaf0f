import { entry, type ComposeNode, type Findings, type MapNode, type Origin } from "./compose-node.js";
import { parseBoolean, parseInteger } from "./compose-values.js";

/**
 * What berth does with one compose field on ECS Fargate. Decided field by field after
 * docker/compose-cli's ECS backend and the ECS task definition reference: awsvpc networking
 * (one network interface per task, same port on both sides), no privileged mode, no host
 * namespaces or devices, only SYS_PTRACE may be added, no extraHosts or links.
 */
type FieldRule = (value: ComposeNode, findings: Findings) => void;

/** Service keys that loadCompose translates into the ComposeService model. */
export const TRANSLATED_SERVICE_KEYS: ReadonlySet<string> = new Set([
  "image",
  "build",
  "command",
  "entrypoint",
  "environment",
  "env_file",
  "ports",
  "expose",
  "depends_on",
  "healthcheck",
  "volumes",
  "deploy",
  "cpus",
  "mem_limit",
  "working_dir",
  "user",
  "init",
  "read_only",
  "stop_grace_period",
  "labels",
  "ulimits",
  "tty",
  "stdin_open",
  "cap_add",
  "cap_drop",
  "profiles",
  "extends",
  "scale",
  "tmpfs",
  "links",
  "secrets",
  "configs",
]);

const text = (node: ComposeNode): string => (node.kind === "scalar" && node.value !== null ? String(node.value) : "");
const isEmpty = (node: ComposeNode): boolean =>
  (node.kind === "seq" && node.items.length === 0) ||
  (node.kind === "map" && node.entries.size === 0) ||
  (node.kind === "scalar" && (node.value === null || node.value === ""));

function refuse(message: string): FieldRule {
  return (value, findings) => {
    if (!isEmpty(value)) findings.error(value.at, message);
  };
}

/** An empty value (`hostname: "${SENTRY_MAIL_HOST:-}"` with the variable unset) sets nothing, in Compose too: nothing to ignore. */
function ignore(code: string, message: string): FieldRule {
  return (value, findings) => {
    if (!isEmpty(value)) findings.warn(code, value.at, message);
  };
}

const SERVICE_RULES: Record<string, FieldRule> = {
  network_mode(value, findings) {
    const mode = text(value);
    if (mode === "bridge" || mode === "default") {
      findings.warn("network-mode-ignored", value.at, "ignored: Fargate tasks use awsvpc networking and services reach each other by name");
    } else if (mode === "host") {
      findings.error(value.at, 'network_mode "host" is not available on Fargate (every task has its own network interface); remove network_mode and reach other services by name');
    } else if (mode === "none") {
      findings.error(value.at, 'network_mode "none" is not available on Fargate: every task has a network interface; remove network_mode');
    } else {
      findings.error(value.at, `network_mode "${mode}" is not available on Fargate: a task cannot share another container's network; remove network_mode and reach the other service by its name`);
    }
  },
  privileged(value, findings) {
    if (parseBoolean(value.kind === "scalar" ? value.value : undefined) === true) {
      findings.error(value.at, "privileged containers are not allowed on Fargate; remove privileged: true");
    }
  },
  pid(value, findings) {
    if (!isEmpty(value)) {
      findings.error(value.at, `pid "${text(value)}" is not available on Fargate: PID namespaces cannot be shared with the host or other containers; remove pid`);
    }
  },
  ipc(value, findings) {
    const mode = text(value);
    if (mode === "private" || mode === "shareable" || mode === "") {
      findings.warn("field-ignored", value.at, "ignored: Fargate does not set an IPC mode");
    } else {
      findings.error(value.at, `ipc "${mode}" is not available on Fargate: IPC namespaces cannot be shared with the host or other containers; remove ipc`);
    }
  },
  uts(value, findings) {
    if (text(value) === "host") findings.error(value.at, 'uts "host" is not available on Fargate; remove uts');
    else findings.warn("field-ignored", value.at, "ignored on Fargate");
  },
  cgroup(value, findings) {
    if (text(value) === "host") findings.error(value.at, 'cgroup "host" is not available on Fargate; remove cgroup');
    else findings.warn("field-ignored", value.at, "ignored on Fargate");
  },
  devices: refuse("host devices cannot be mapped into Fargate tasks; remove devices"),
  gpus: refuse("Fargate has no GPUs; remove gpus"),
  cap_add(value, findings) {
    if (value.kind !== "seq") return;
    for (const item of value.items) {
      const capability = text(item).replace(/^CAP_/i, "").toUpperCase();
      if (capability !== "SYS_PTRACE") {
        findings.error(item.at, `capability ${text(item)} cannot be added on Fargate (only SYS_PTRACE can); remove it from cap_add`);
      }
    }
  },
  extra_hosts: refuse("extra_hosts is not valid on Fargate; compose service names already resolve, use a real DNS name for anything else"),
  external_links: refuse("external_links is not available on Fargate: a preview reaches only its own services; remove external_links"),
  userns_mode: refuse("userns_mode is not available on Fargate; remove it"),
  cgroup_parent: refuse("cgroup_parent is not available on Fargate; remove it"),
  runtime: refuse("a custom container runtime is not available on Fargate; remove runtime"),
  isolation: refuse("isolation is not available on Fargate Linux tasks; remove it"),
  volumes_from: refuse("volumes_from is not available: services of a preview run in separate Fargate tasks and cannot mount each other's volumes; remove it"),
  provider: refuse("provider services are managed by a Compose plugin on the developer's machine and cannot run on Fargate; remove the service or give it an image"),
  use_api_socket(value, findings) {
    if (parseBoolean(value.kind === "scalar" ? value.value : undefined) === true) {
      findings.error(value.at, "there is no Docker API socket on Fargate; remove use_api_socket");
    }
  },
  shm_size: ignore("shm-size-ignored", "ignored: Fargate does not set the shared memory size"),
  sysctls: ignore("sysctls-ignored", "ignored on Fargate"),
  links(value, findings) {
    if (value.kind !== "seq") return;
    for (const item of value.items) {
      const [service = "", alias] = text(item).split(":");
      if (alias !== undefined && alias !== service) refuseAlias(alias, service, item.at, findings);
    }
  },
  container_name: ignore("container-name-ignored", "ignored: the service is reached by its compose service name"),
  hostname: ignore("hostname-ignored", "ignored: the service is reached by its compose service name"),
  domainname: ignore("domainname-ignored", "ignored on Fargate"),
  mac_address: ignore("mac-address-ignored", "ignored: Fargate assigns the network interface"),
  restart: ignore("restart-ignored", "ignored: ECS restarts the service's task when it stops"),
  logging: ignore("logging-replaced", "replaced: the service logs to CloudWatch Logs"),
  networks(value, findings) {
    findings.warn("networks-ignored", value.at, "ignored: a preview has one network and every service reaches the others by name");
    if (value.kind !== "map") return;
    const service = String(value.at.path[1] ?? "");
    for (const settings of value.entries.values()) {
      const aliases = entry(settings, "aliases");
      if (aliases?.kind !== "seq") continue;
      for (const alias of aliases.items) if (text(alias) !== service) refuseAlias(text(alias), service, alias.at, findings);
    }
  },
  dns: ignore("dns-ignored", "ignored: Fargate tasks use the VPC resolver"),
  dns_search: ignore("dns-ignored", "ignored: Fargate tasks use the VPC resolver"),
  dns_opt: ignore("dns-ignored", "ignored: Fargate tasks use the VPC resolver"),
  platform(value, findings) {
    // Empty, as `platform: ${DOCKER_PLATFORM:-}` leaves it, is no platform: the image's default.
    if (!isEmpty(value) && text(value) !== "linux/amd64") {
      findings.warn("platform-unsupported", value.at, `ignored: previews run on linux/amd64, not ${text(value)}; make sure the image has a linux/amd64 variant`);
    }
  },
  scale(value, findings) {
    const replicas = parseInteger(value.kind === "scalar" ? value.value : undefined);
    if (replicas !== undefined && replicas > 1) findings.warn("replicas-reduced", value.at, `a preview runs one task, not ${replicas}`);
  },
};

/**
 * A second name for a service cannot be given in a preview: each ECS service registers in Cloud
 * Map under one name only (ECS allows one service registry per service), its compose name. A name
 * with dots could not be found through the preview's search domain either (musl looks a dotted
 * name up only as written).
 */
function refuseAlias(alias: string, service: string, at: Origin, findings: Findings): void {
  const why = alias.includes(".")
    ? "a name with dots is not looked up under the preview's search domain, and a service has one name in a preview"
    : "ECS registers each service under one name in the preview's DNS, its compose service name";
  findings.error(at, `the alias "${alias}" of "${service}" would not resolve: ${why}; connect to "${service}" instead of "${alias}"${alias.includes(".") ? "" : `, or rename the service "${alias}"`}`);
}

/**
 * Applies the Fargate rules to every key of one merged service: errors for what cannot work,
 * named warnings for what is ignored or changed, `field-ignored` for any other key berth does
 * not translate. `x-` extension keys are left alone, as Compose does.
 */
export function checkServiceForFargate(service: MapNode, findings: Findings): void {
  for (const [key, value] of service.entries) {
    if (key.startsWith("x-")) continue;
    const rule = SERVICE_RULES[key];
    if (rule) rule(value, findings);
    else if (!TRANSLATED_SERVICE_KEYS.has(key)) findings.warn("field-ignored", value.at, "ignored on Fargate");
  }
}

/** Applies the Fargate rules to the top-level keys of the merged project. */
export function checkProjectForFargate(project: MapNode, findings: Findings): void {
  for (const [key, value] of project.entries) {
    if (key.startsWith("x-") || key === "services") continue;
    if (key === "volumes") checkVolumeDefinitions(value, findings);
    else if (key === "version") findings.warn("version-obsolete", value.at, "obsolete and ignored, as Docker Compose ignores it");
    else if (key === "include") findings.error(value.at, "include is not supported; list the compose files under `compose` in .github/preview.yml instead");
    else if (isEmpty(value)) continue;
    else if (key === "networks") findings.warn("networks-ignored", value.at, "ignored: a preview has one network and every service reaches the others by name");
    else if (key === "secrets" || key === "configs") checkFileDefinitions(value, findings);
    else findings.warn("field-ignored", value.at, "ignored on Fargate");
  }
}

/**
 * A named volume is task storage in a preview, so what configures Docker's volume driver does not
 * apply: named as ignored, the folder a `local` volume binds (`driver_opts: {o: bind, device: ./data}`)
 * with what to write instead. `external` and `name` need no warning: the service's mount says
 * what becomes of the volume.
 */
function checkVolumeDefinitions(definitions: ComposeNode, findings: Findings): void {
  if (definitions.kind !== "map") return;
  for (const [name, definition] of definitions.entries) {
    if (definition.kind !== "map") continue;
    for (const [key, value] of definition.entries) {
      if (key.startsWith("x-") || isEmpty(value) || key === "external" || key === "name") continue;
      if (key === "driver" && text(value) === "local") continue;
      const option = (name: string): string => {
        const node = key === "driver_opts" ? entry(value, name) : undefined;
        return node ? text(node) : "";
      };
      const device = option("device");
      const bound = device !== "" && /\bbind\b/.test(option("o"));
      findings.warn(
        "field-ignored",
        value.at,
        bound
          ? `ignored: volume "${name}" is task storage on Fargate, not the folder ${device} it binds; to mount the repository's folder, write it in the service's volumes (${device}:<path>)`
          : `ignored: volume "${name}" is task storage on Fargate, which has no volume driver or labels`,
      );
    }
  }
}

/**
 * What berth reads of a top-level secret or config: where its value comes from (`file`,
 * `environment`, `content`; `external` and `name` for one that lives elsewhere). The rest belongs to
 * Docker's secret drivers and is named as ignored.
 */
const FILE_DEFINITION_KEYS: ReadonlySet<string> = new Set(["file", "environment", "content", "external", "name"]);

function checkFileDefinitions(definitions: ComposeNode, findings: Findings): void {
  if (definitions.kind !== "map") return;
  for (const definition of definitions.entries.values()) {
    if (definition.kind !== "map") continue;
    for (const [key, value] of definition.entries) {
      if (!key.startsWith("x-") && !FILE_DEFINITION_KEYS.has(key)) findings.warn("field-ignored", value.at, "ignored: a preview writes the file itself, with no driver or labels");
    }
  }
}

/** Checks `deploy` keys other than resources.limits and replicas, which are translated. */
export function checkDeployForFargate(deploy: ComposeNode, findings: Findings): void {
  if (deploy.kind !== "map") return;
  for (const [key, value] of deploy.entries) {
    if (key.startsWith("x-")) continue;
    if (key === "replicas") {
      const replicas = parseInteger(value.kind === "scalar" ? value.value : undefined);
      if (replicas !== undefined && replicas > 1) findings.warn("replicas-reduced", value.at, `a preview runs one task, not ${replicas}`);
    } else if (key === "resources" && value.kind === "map") {
      for (const [part, detail] of value.entries) {
        if (part === "limits" && detail.kind === "map") {
          for (const [limit, limitValue] of detail.entries) {
            if (limit !== "cpus" && limit !== "memory") findings.warn("field-ignored", limitValue.at, "ignored on Fargate");
          }
        } else if (part === "reservations" && entry(detail, "devices") !== undefined) {
          findings.error(entry(detail, "devices")!.at, "Fargate has no GPUs or host devices; remove the device reservation");
        } else {
          findings.warn("field-ignored", detail.at, "ignored: a Fargate task gets the limits as its size");
        }
      }
    } else {
      findings.warn("field-ignored", value.at, "ignored: a preview runs one task per service, managed by ECS");
    }
  }
}
