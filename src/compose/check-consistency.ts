import { entry, type ComposeNode, type Findings, type MapNode, type Origin } from "./compose-node.js";
import { parseBytes, parseInteger } from "./compose-values.js";

/**
 * The checks Docker Compose makes of a loaded project before it runs anything (compose-go's
 * consistency check), for what berth does not already refuse elsewhere: a file that fails one of
 * them does not start under `docker compose up` either, so it is refused here with its line
 * instead of deployed with a guess. `services` are the merged services the enabled profiles keep;
 * `project` holds the top-level keys.
 */
export function checkConsistency(services: ReadonlyArray<readonly [string, MapNode]>, project: MapNode | undefined, findings: Findings): void {
  const declared = (key: string) => new Set(entry(project, key)?.kind === "map" ? (entry(project, key) as MapNode).entries.keys() : []);
  const networks = declared("networks");
  const secrets = declared("secrets");
  for (const [, service] of services) {
    const get = (key: string) => service.entries.get(key);

    const serviceNetworks = get("networks");
    for (const [name, at] of namesOf(serviceNetworks)) {
      // Every project has the network "default" without declaring it.
      if (name !== "default" && !networks.has(name)) findings.error(at, `network "${name}" is not declared under the top-level networks key; declare it there`);
    }
    const networkMode = get("network_mode");
    if (networkMode && serviceNetworks) {
      findings.error(networkMode.at, "network_mode and networks cannot both be set (Compose refuses the service); keep one");
    }

    const deploy = get("deploy");
    const replicas = entry(deploy, "replicas");
    const scale = get("scale");
    const scaleCount = scalarInteger(scale);
    const replicaCount = scalarInteger(replicas);
    if (scale && replicaCount !== undefined && scaleCount !== replicaCount) {
      findings.error(scale.at, `scale (${String(scaleCount)}) and deploy.replicas (${replicaCount}) differ; Compose refuses distinct values: keep one`);
    }
    const count = scaleCount ?? replicaCount;
    const containerName = get("container_name");
    if (containerName && count !== undefined && count > 1) {
      findings.error(
        containerName.at,
        `container_name must be unique, so Compose refuses it on a service with ${scale ? "scale" : "deploy.replicas"} ${count}; remove one of them`,
      );
    }

    const limits = entry(entry(deploy, "resources"), "limits");
    const reservations = entry(entry(deploy, "resources"), "reservations");
    differs(get("pids_limit"), entry(limits, "pids"), scalarInteger, "pids_limit", "deploy.resources.limits.pids", findings);
    differs(get("mem_reservation"), entry(reservations, "memory"), scalarBytes, "mem_reservation", "deploy.resources.reservations.memory", findings);

    const build = get("build");
    const inline = entry(build, "dockerfile_inline");
    if (inline && entry(build, "dockerfile")) {
      findings.error(inline.at, "dockerfile and dockerfile_inline cannot both be set (Compose refuses the build); keep one");
    }
    for (const [name, at] of namesOf(entry(build, "secrets"), "source")) {
      if (!secrets.has(name)) findings.error(at, `secret "${name}" is not declared under the top-level secrets key; declare it there`);
    }
    const platforms = entry(build, "platforms");
    const platform = get("platform");
    if (platform?.kind === "scalar" && platforms?.kind === "seq" && platforms.items.length > 0) {
      if (!platforms.items.some((p) => p.kind === "scalar" && p.value === platform.value)) {
        findings.error(platform.at, `"${String(platform.value)}" is not among build.platforms; Compose requires the service's platform to be one of them`);
      }
    }
  }
}

/** The names a list (`[a, b]`, or items `{<field>: a}`) or a mapping (`{a: ..., b: ...}`) gives, each with where it was written. */
function namesOf(node: ComposeNode | undefined, field?: string): Array<[string, Origin]> {
  if (node?.kind === "map") return [...node.entries].map(([name, value]) => [name, value.at]);
  if (node?.kind !== "seq") return [];
  return node.items.flatMap((item): Array<[string, Origin]> => {
    const name = item.kind === "scalar" ? item : field ? entry(item, field) : undefined;
    return name?.kind === "scalar" && name.value !== null ? [[String(name.value), item.at]] : [];
  });
}

function scalarInteger(node: ComposeNode | undefined): number | undefined {
  return node?.kind === "scalar" ? parseInteger(node.value) : undefined;
}

function scalarBytes(node: ComposeNode | undefined): number | undefined {
  return node?.kind === "scalar" && (typeof node.value === "string" || typeof node.value === "number") ? parseBytes(node.value) : undefined;
}

/** Refuses a legacy key and its `deploy` counterpart set to different values, as Compose does. */
function differs(
  legacy: ComposeNode | undefined,
  deployed: ComposeNode | undefined,
  read: (node: ComposeNode | undefined) => number | undefined,
  legacyKey: string,
  deployKey: string,
  findings: Findings,
): void {
  const a = read(legacy);
  const b = read(deployed);
  if (legacy && a !== undefined && b !== undefined && a !== b) {
    findings.error(legacy.at, `${legacyKey} and ${deployKey} differ; Compose refuses distinct values: keep one`);
  }
}
