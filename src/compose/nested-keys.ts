import type { ComposeNode, Findings } from "./compose-node.js";

/**
 * What berth does with a key inside a service's nested objects: `translated` into the task
 * definition; `ci` (build options, used by whoever builds the image, never by berth); `refused`
 * with an error; a warning code with the sentence that says what is lost; or `with` the warning or
 * refusal its whole entry already gets (a bind mount's options, a network's settings).
 */
export type NestedKeyOutcome =
  | { outcome: "translated" | "ci" | "refused" }
  | { warning: string; message: string }
  | { with: string };

const translated = { outcome: "translated" } as const;
const ci = { outcome: "ci" } as const;
const ignored = (message: string) => ({ warning: "field-ignored", message }) as const;

/**
 * Every key the Compose Specification defines in the objects of a service that berth reads key by
 * key: the long syntax of `ports` and `volumes`, `healthcheck`, `build`, `depends_on` entries and
 * service `networks` entries, and `deploy` (whose keys checkDeployForFargate checks).
 */
export const NESTED_KEYS: Readonly<Record<string, Readonly<Record<string, NestedKeyOutcome>>>> = {
  ports: {
    target: translated,
    published: translated,
    protocol: translated,
    host_ip: { warning: "port-host-ip-ignored", message: "host address ignored: the preview is reached through its load balancer" },
    name: ignored("ignored: the container port keeps no name on ECS"),
    app_protocol: ignored("ignored: the load balancer speaks HTTP to the public service, and other services connect directly"),
    mode: ignored("ignored: Fargate has no host or ingress port modes"),
  },
  volumes: {
    type: translated,
    source: translated,
    target: translated,
    read_only: translated,
    consistency: ignored("ignored: a file-sharing option of Docker Desktop"),
    bind: ignored("ignored: the files are written into task storage, which has no mount propagation or SELinux label"),
    volume: translated,
    tmpfs: translated,
    image: { with: "field-ignored" },
  },
  "volumes.volume": {
    nocopy: ignored("ignored: Fargate copies the image's files into a volume only where the image declares a VOLUME"),
    labels: ignored("ignored: task storage has no labels"),
    subpath: ignored("ignored: the whole volume is mounted; it is empty task storage at every start"),
  },
  "volumes.tmpfs": {
    size: { warning: "tmpfs-options-ignored", message: "ignored: the path is task storage, whose size is the task's" },
    mode: translated,
  },
  healthcheck: {
    test: translated,
    interval: translated,
    timeout: translated,
    retries: translated,
    start_period: translated,
    disable: translated,
    start_interval: ignored("ignored: ECS health checks have no start interval"),
  },
  depends_on: {
    condition: translated,
    required: translated,
    restart: ignored("ignored: ECS does not restart a service when its dependency is replaced"),
  },
  networks: {
    aliases: { outcome: "refused" },
    ipv4_address: { with: "networks-ignored" },
    ipv6_address: { with: "networks-ignored" },
    link_local_ips: { with: "networks-ignored" },
    mac_address: { with: "networks-ignored" },
    driver_opts: { with: "networks-ignored" },
    priority: { with: "networks-ignored" },
    gw_priority: { with: "networks-ignored" },
    interface_name: { with: "networks-ignored" },
  },
  deploy: {
    replicas: translated,
    resources: translated,
    mode: ignored("ignored: a preview runs one task per service, managed by ECS"),
    endpoint_mode: ignored("ignored: a preview runs one task per service, managed by ECS"),
    labels: ignored("ignored: a preview runs one task per service, managed by ECS"),
    rollback_config: ignored("ignored: a preview runs one task per service, managed by ECS"),
    update_config: ignored("ignored: a preview runs one task per service, managed by ECS"),
    restart_policy: ignored("ignored: a preview runs one task per service, managed by ECS"),
    placement: ignored("ignored: a preview runs one task per service, managed by ECS"),
  },
  "deploy.resources": {
    limits: translated,
    reservations: ignored("ignored: a Fargate task gets the limits as its size"),
  },
  "deploy.resources.limits": {
    cpus: translated,
    memory: translated,
    pids: ignored("ignored on Fargate"),
  },
  "deploy.resources.reservations": {
    devices: { outcome: "refused" },
    cpus: { with: "field-ignored" },
    memory: { with: "field-ignored" },
    generic_resources: { with: "field-ignored" },
  },
  build: Object.fromEntries(
    [
      "context", "dockerfile", "dockerfile_inline", "entitlements", "args", "ssh", "labels", "cache_from", "cache_to", "no_cache",
      "additional_contexts", "network", "provenance", "sbom", "pull", "target", "shm_size", "extra_hosts", "isolation", "privileged",
      "secrets", "tags", "ulimits", "platforms",
    ].map((key) => [key, ci]),
  ),
};

/**
 * Warns about each key of `node` (one nested object of kind `kind`, e.g. a long-syntax port) that
 * NESTED_KEYS says is lost on the way to Fargate. Other outcomes are handled where the object is read.
 */
export function warnNestedKeys(kind: keyof typeof NESTED_KEYS, node: ComposeNode | undefined, findings: Findings): void {
  if (node?.kind !== "map") return;
  const table = NESTED_KEYS[kind]!;
  for (const [key, value] of node.entries) {
    const rule = table[key];
    if (rule && "warning" in rule && rule.warning !== "port-host-ip-ignored") findings.warn(rule.warning, value.at, rule.message);
  }
}
