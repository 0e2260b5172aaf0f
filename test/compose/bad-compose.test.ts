import { describe, expect, it } from "vitest";
import { loadCompose } from "../../src/compose/load-compose.js";
import { InputError } from "../../src/errors.js";
import { createMemoryReader } from "../../src/util/repo-reader.js";

/** A compose.yaml whose `web` service has an image, plus `extra` lines under it. */
const web = (extra: string) => `services:\n  web:\n    image: app\n${extra}`;

interface BadCase {
  name: string;
  files: Record<string, string>;
  expected: string;
}

const cases: BadCase[] = [
  {
    name: "YAML indentation error",
    files: { "compose.yaml": "services:\n  web:\n    image: app\n   bad: indent\n" },
    expected: "compose.yaml:4: invalid YAML: All mapping items must start at the same column",
  },
  {
    name: "duplicate key",
    files: { "compose.yaml": "services:\n  web:\n    image: a\n    image: b\n" },
    expected: "compose.yaml:4: invalid YAML: Map keys must be unique",
  },
  { name: "empty file", files: { "compose.yaml": "" }, expected: "compose.yaml: the file is empty; a compose file needs services" },
  {
    name: "a list instead of a mapping",
    files: { "compose.yaml": "- a\n- b\n" },
    expected: "compose.yaml:1: a compose file must be a mapping with a services key",
  },
  {
    name: "no services",
    files: { "compose.yaml": "volumes:\n  data: {}\n" },
    expected: "compose.yaml: services: no services defined; add at least one",
  },
  {
    // zulip/docker-zulip's first compose file: services at the top level, no services key.
    name: "Compose file format 1",
    files: { "compose.yaml": 'database:\n  image: "sameersbn/postgresql:9.4-4"\nzulip:\n  image: galexrt/zulip\n  links:\n    - database\n' },
    expected:
      'compose.yaml:1: database: this file is written in Compose file format 1 (services such as "database", "zulip" at the top level), which Docker Compose no longer reads; indent the services under a top-level services: key',
  },
  {
    name: "misspelt key",
    files: { "compose.yaml": web("    imagee: x\n") },
    expected: 'compose.yaml:4: services.web.imagee: unknown key "imagee" (not in the Compose specification)',
  },
  {
    name: "invalid service name",
    files: { "compose.yaml": "services:\n  'my web':\n    image: app\n" },
    expected: 'compose.yaml:2: services.my web: invalid name "my web": use only letters, digits, ".", "_" and "-"',
  },
  {
    name: "port of the wrong type",
    files: { "compose.yaml": web("    ports:\n      - true\n") },
    expected: "compose.yaml:5: services.web.ports[0]: must be number, string or object",
  },
  {
    name: "depends_on condition not in the spec",
    files: { "compose.yaml": web("    depends_on:\n      db:\n        condition: started\n  db:\n    image: pg\n") },
    expected:
      'compose.yaml:6: services.web.depends_on.db.condition: must be one of "service_started", "service_healthy", "service_completed_successfully"',
  },
  {
    name: "neither image nor build",
    files: { "compose.yaml": "services:\n  web:\n    command: npm start\n" },
    expected: "compose.yaml:2: services.web: a service needs an image or a build; add one",
  },
  {
    name: "network_mode host",
    files: { "compose.yaml": web("    network_mode: host\n") },
    expected:
      'compose.yaml:4: services.web.network_mode: network_mode "host" is not available on Fargate (every task has its own network interface); remove network_mode and reach other services by name',
  },
  {
    name: "network_mode of another service",
    files: { "compose.yaml": web("    network_mode: service:db\n") },
    expected:
      "compose.yaml:4: services.web.network_mode: network_mode \"service:db\" is not available on Fargate: a task cannot share another container's network; remove network_mode and reach the other service by its name",
  },
  {
    name: "network_mode none",
    files: { "compose.yaml": web("    network_mode: none\n") },
    expected: 'compose.yaml:4: services.web.network_mode: network_mode "none" is not available on Fargate: every task has a network interface; remove network_mode',
  },
  {
    name: "privileged",
    files: { "compose.yaml": web("    privileged: true\n") },
    expected: "compose.yaml:4: services.web.privileged: privileged containers are not allowed on Fargate; remove privileged: true",
  },
  {
    // Docker refuses it too: "invalid ranges specified for container and host ports".
    name: "port ranges of different sizes",
    files: { "compose.yaml": web('    ports:\n      - "3000-3005:4000-4002"\n      - "8080:4000-4002"\n') },
    expected: [
      "compose.yaml:5: services.web.ports[0]: the published ports 3000-3005 and the container ports 4000-4002 are ranges of different sizes; publish as many ports as the container listens on",
      "compose.yaml:6: services.web.ports[1]: the published ports 8080 and the container ports 4000-4002 are ranges of different sizes; publish as many ports as the container listens on",
    ].join("\n"),
  },
  {
    name: "a range that ends before it starts",
    files: { "compose.yaml": web('    ports: ["3005-3000"]\n    expose: ["8005-8000"]\n') },
    expected: [
      'compose.yaml:4: services.web.ports[0]: "3005-3000" is not a port mapping (use [HOST_IP:]PUBLISHED:TARGET[/PROTOCOL])',
      'compose.yaml:5: services.web.expose[0]: "8005-8000" is not a port number or range (use PORT[-PORT][/PROTOCOL])',
    ].join("\n"),
  },
  {
    name: "port that is not a number",
    files: { "compose.yaml": web('    ports:\n      - "abc"\n') },
    expected: 'compose.yaml:5: services.web.ports[0]: "abc" is not a port mapping (use [HOST_IP:]PUBLISHED:TARGET[/PROTOCOL])',
  },
  {
    name: "sctp port",
    files: { "compose.yaml": web('    ports:\n      - "80/sctp"\n') },
    expected: "compose.yaml:5: services.web.ports[0]: protocol sctp is not available; use tcp or udp",
  },
  {
    name: "pid host",
    files: { "compose.yaml": web("    pid: host\n") },
    expected:
      'compose.yaml:4: services.web.pid: pid "host" is not available on Fargate: PID namespaces cannot be shared with the host or other containers; remove pid',
  },
  {
    name: "ipc host",
    files: { "compose.yaml": web("    ipc: host\n") },
    expected:
      'compose.yaml:4: services.web.ipc: ipc "host" is not available on Fargate: IPC namespaces cannot be shared with the host or other containers; remove ipc',
  },
  {
    name: "devices",
    files: { "compose.yaml": web("    devices:\n      - /dev/fuse\n") },
    expected: "compose.yaml:4: services.web.devices: host devices cannot be mapped into Fargate tasks; remove devices",
  },
  {
    name: "cap_add beyond SYS_PTRACE",
    files: { "compose.yaml": web("    cap_add:\n      - SYS_PTRACE\n      - NET_ADMIN\n") },
    expected:
      "compose.yaml:6: services.web.cap_add[1]: capability NET_ADMIN cannot be added on Fargate (only SYS_PTRACE can); remove it from cap_add",
  },
  {
    name: "extra_hosts",
    files: { "compose.yaml": web('    extra_hosts:\n      - "host.docker.internal:host-gateway"\n') },
    expected:
      "compose.yaml:4: services.web.extra_hosts: extra_hosts is not valid on Fargate; compose service names already resolve, use a real DNS name for anything else",
  },
  {
    name: "external_links",
    files: { "compose.yaml": web("    external_links:\n      - redis_1\n") },
    expected:
      "compose.yaml:4: services.web.external_links: external_links is not available on Fargate: a preview reaches only its own services; remove external_links",
  },
  {
    name: "userns_mode",
    files: { "compose.yaml": web("    userns_mode: host\n") },
    expected: "compose.yaml:4: services.web.userns_mode: userns_mode is not available on Fargate; remove it",
  },
  {
    name: "cgroup_parent",
    files: { "compose.yaml": web("    cgroup_parent: m-executor\n") },
    expected: "compose.yaml:4: services.web.cgroup_parent: cgroup_parent is not available on Fargate; remove it",
  },
  {
    name: "runtime",
    files: { "compose.yaml": web("    runtime: runc\n") },
    expected: "compose.yaml:4: services.web.runtime: a custom container runtime is not available on Fargate; remove runtime",
  },
  {
    name: "isolation",
    files: { "compose.yaml": web("    isolation: process\n") },
    expected: "compose.yaml:4: services.web.isolation: isolation is not available on Fargate Linux tasks; remove it",
  },
  {
    name: "volumes_from",
    files: { "compose.yaml": web("    volumes_from:\n      - db\n") },
    expected:
      "compose.yaml:4: services.web.volumes_from: volumes_from is not available: services of a preview run in separate Fargate tasks and cannot mount each other's volumes; remove it",
  },
  {
    name: "gpus",
    files: { "compose.yaml": web("    gpus: all\n") },
    expected: "compose.yaml:4: services.web.gpus: Fargate has no GPUs; remove gpus",
  },
  {
    name: "provider service",
    files: { "compose.yaml": "services:\n  ai:\n    provider:\n      type: model\n" },
    expected:
      "compose.yaml:3: services.ai.provider: provider services are managed by a Compose plugin on the developer's machine and cannot run on Fargate; remove the service or give it an image",
  },
  {
    name: "undeclared named volume",
    files: { "compose.yaml": web("    volumes:\n      - data:/data\n") },
    expected:
      'compose.yaml:5: services.web.volumes[0]: volume "data" is not declared under the top-level volumes key; declare it or use a path',
  },
  {
    // n8n's compose file with N8N_VERSION missing from .env: Docker refuses "invalid reference format".
    name: "image whose tag is an unset variable",
    files: { "compose.yaml": "services:\n  web:\n    image: docker.n8n.io/n8nio/n8n:${N8N_VERSION}\n" },
    expected: 'compose.yaml:3: services.web.image: "docker.n8n.io/n8nio/n8n:" is not an image Docker can pull: the tag after ":" is empty (N8N_VERSION is not set in .env)',
  },
  {
    name: "image name in capitals",
    files: { "compose.yaml": "services:\n  web:\n    image: Acme/Web:1.0\n" },
    expected:
      'compose.yaml:3: services.web.image: "Acme/Web:1.0" is not an image Docker can pull: the name "Acme/Web" is not valid: lowercase letters and digits, separated by ".", "_", "__", "-" or "/"',
  },
  {
    name: "dependency on an undefined service",
    files: { "compose.yaml": web("    depends_on: [db]\n") },
    expected: 'compose.yaml:4: services.web.depends_on[0]: service "db" is not defined; remove the dependency or define the service',
  },
  {
    // dify's api lists seekdb with required: false; compose-go still refuses an undefined one.
    name: "optional dependency on an undefined service",
    files: { "compose.yaml": web("    depends_on:\n      seekdb:\n        condition: service_healthy\n        required: false\n") },
    expected:
      'compose.yaml:5: services.web.depends_on.seekdb: service "seekdb" is not defined; remove the dependency or define the service (required: false excuses only a service that is left out, as in Compose)',
  },
  {
    name: "undeclared network",
    files: { "compose.yaml": web("    networks: [backend]\n") },
    expected: 'compose.yaml:4: services.web.networks[0]: network "backend" is not declared under the top-level networks key; declare it there',
  },
  {
    name: "undeclared network in the long syntax",
    files: { "compose.yaml": web("    networks:\n      default:\n      internal:\n        aliases: []\nnetworks:\n  external_network:\n") },
    expected: 'compose.yaml:6: services.web.networks.internal: network "internal" is not declared under the top-level networks key; declare it there',
  },
  {
    name: "network_mode with networks",
    files: { "compose.yaml": web("    network_mode: bridge\n    networks: [default]\n") },
    expected: "compose.yaml:4: services.web.network_mode: network_mode and networks cannot both be set (Compose refuses the service); keep one",
  },
  {
    name: "scale and deploy.replicas that differ",
    files: { "compose.yaml": web("    scale: 1\n    deploy:\n      replicas: 2\n") },
    expected: "compose.yaml:4: services.web.scale: scale (1) and deploy.replicas (2) differ; Compose refuses distinct values: keep one",
  },
  {
    name: "container_name on a replicated service",
    files: { "compose.yaml": web("    container_name: web\n    deploy:\n      replicas: 3\n") },
    expected:
      "compose.yaml:4: services.web.container_name: container_name must be unique, so Compose refuses it on a service with deploy.replicas 3; remove one of them",
  },
  {
    name: "pids_limit and deploy.resources.limits.pids that differ",
    files: { "compose.yaml": web("    pids_limit: 100\n    deploy:\n      resources:\n        limits:\n          pids: 200\n") },
    expected: "compose.yaml:4: services.web.pids_limit: pids_limit and deploy.resources.limits.pids differ; Compose refuses distinct values: keep one",
  },
  {
    name: "mem_reservation and deploy.resources.reservations.memory that differ",
    files: { "compose.yaml": web("    mem_reservation: 128m\n    deploy:\n      resources:\n        reservations:\n          memory: 256M\n") },
    expected:
      "compose.yaml:4: services.web.mem_reservation: mem_reservation and deploy.resources.reservations.memory differ; Compose refuses distinct values: keep one",
  },
  {
    name: "dockerfile with dockerfile_inline",
    files: { "compose.yaml": "services:\n  web:\n    build:\n      context: .\n      dockerfile: Dockerfile\n      dockerfile_inline: FROM nginx\n" },
    expected: "compose.yaml:6: services.web.build.dockerfile_inline: dockerfile and dockerfile_inline cannot both be set (Compose refuses the build); keep one",
  },
  {
    name: "undeclared build secret",
    files: { "compose.yaml": "services:\n  web:\n    build:\n      context: .\n      secrets:\n        - npmrc\n" },
    expected: 'compose.yaml:6: services.web.build.secrets[0]: secret "npmrc" is not declared under the top-level secrets key; declare it there',
  },
  {
    name: "platform missing from build.platforms",
    files: { "compose.yaml": "services:\n  web:\n    build:\n      context: .\n      platforms: [linux/amd64]\n    platform: linux/arm64\n" },
    expected: 'compose.yaml:6: services.web.platform: "linux/arm64" is not among build.platforms; Compose requires the service\'s platform to be one of them',
  },
  {
    name: "dependency on a service left out by its profile",
    files: { "compose.yaml": web("    depends_on: [db]\n  db:\n    image: postgres\n    profiles: [debug]\n") },
    expected:
      'compose.yaml:4: services.web.depends_on[0]: "db" is left out: its profile debug is not enabled (Compose never enables a dependency\'s profile for it); enable it with `profiles: [debug]` in .github/preview.yml or COMPOSE_PROFILES in .env',
  },
  {
    name: "waiting for health of a service whose healthcheck is disabled",
    files: { "compose.yaml": web("    depends_on:\n      db:\n        condition: service_healthy\n  db:\n    image: postgres\n    healthcheck:\n      disable: true\n") },
    expected:
      'compose.yaml:5: services.web.depends_on.db: waits for "db" to be healthy, but its healthcheck is disabled; enable it or use service_started',
  },
  {
    name: "dependency cycle",
    files: { "compose.yaml": web("    depends_on: [db]\n  db:\n    image: postgres\n    depends_on: [web]\n") },
    expected: "compose.yaml:4: services.web.depends_on: depends_on forms a cycle: web -> db -> web",
  },
  {
    name: "dependency on itself",
    files: { "compose.yaml": web("    depends_on: [web]\n") },
    expected: "compose.yaml:4: services.web.depends_on[0]: a service cannot depend on itself",
  },
  {
    name: "unbalanced quote in command",
    files: { "compose.yaml": web('    command: echo "unterminated\n') },
    expected: 'compose.yaml:4: services.web.command: unbalanced " quote in command: echo "unterminated',
  },
  {
    name: "shell operator in a string command",
    files: { "compose.yaml": web("    command: npm run migrate && npm start\n") },
    expected:
      'compose.yaml:4: services.web.command: unquoted shell operator "&" in command: npm run migrate && npm start; there is no shell, so write it as sh -c "..." or as a list',
  },
  {
    name: "healthcheck duration",
    files: { "compose.yaml": web('    healthcheck:\n      test: ["CMD", "true"]\n      interval: 10 seconds\n') },
    expected: 'compose.yaml:6: services.web.healthcheck.interval: "10 seconds" is not a duration (like 10s or 1m30s)',
  },
  {
    name: "healthcheck test without CMD",
    files: { "compose.yaml": web('    healthcheck:\n      test: ["curl", "-f", "http://localhost"]\n') },
    expected: 'compose.yaml:5: services.web.healthcheck.test: a test list starts with "CMD", "CMD-SHELL" or "NONE" and then the command',
  },
  {
    name: "memory size",
    files: { "compose.yaml": web("    mem_limit: lots\n") },
    expected: 'compose.yaml:4: services.web.mem_limit: "lots" is not a memory size (like 512M or 1g)',
  },
  {
    name: "negative cpus",
    files: { "compose.yaml": web('    deploy:\n      resources:\n        limits:\n          cpus: "-1"\n') },
    expected: 'compose.yaml:7: services.web.deploy.resources.limits.cpus: "-1" is not a number of CPUs (like 0.5)',
  },
  {
    name: "legacy cpus disagreeing with deploy limits",
    files: { "compose.yaml": web('    cpus: 1\n    deploy:\n      resources:\n        limits:\n          cpus: "0.5"\n') },
    expected: "compose.yaml:4: services.web.cpus: cpus differs from deploy.resources.limits; keep one of them",
  },
  {
    name: "invalid interpolation",
    files: { "compose.yaml": web('    environment:\n      A: "${"\n') },
    expected: 'compose.yaml:5: services.web.environment.A: invalid interpolation format in "${": write a literal $ as $$',
  },
  {
    name: "required variable",
    files: { "compose.yaml": web('    environment:\n      A: "${DB_URL:?DB_URL is needed}"\n') },
    expected: "compose.yaml:5: services.web.environment.A: required variable DB_URL is missing a value: DB_URL is needed",
  },
  {
    name: "include",
    files: { "compose.yaml": "include:\n  - other.yaml\nservices:\n  web:\n    image: app\n" },
    expected: "compose.yaml:1: include: include is not supported; list the compose files under `compose` in .github/preview.yml instead",
  },
  {
    name: "boolean that is not one",
    files: { "compose.yaml": web("    init: maybe\n") },
    expected: 'compose.yaml:4: services.web.init: must be true or false, not "maybe"',
  },
  {
    // compose-go's toBoolean: 1 and 0 are not booleans ("invalid boolean: 1").
    name: "read_only: 1",
    files: { "compose.yaml": web('    read_only: "1"\n') },
    expected: 'compose.yaml:4: services.web.read_only: must be true or false, not "1"',
  },
  {
    name: "every service behind a profile",
    files: { "compose.yaml": "services:\n  web:\n    image: app\n    profiles: [x]\n" },
    expected:
      "compose.yaml:2: services.web: every service is left out: the services have the profiles x and no profile is enabled; enable one with `profiles: [x]` in .github/preview.yml (as `docker compose --profile x`) or COMPOSE_PROFILES=x in .env",
  },
  {
    name: "ulimit that is not a number",
    files: { "compose.yaml": web("    ulimits:\n      nofile: lots\n") },
    expected: "compose.yaml:5: services.web.ulimits.nofile: must be a number or {soft, hard} numbers",
  },
  {
    name: "several problems at once",
    files: { "compose.yaml": web('    privileged: true\n    network_mode: host\n    ports: ["3000:3000/sctp"]\n') },
    expected: [
      "compose.yaml:4: services.web.privileged: privileged containers are not allowed on Fargate; remove privileged: true",
      'compose.yaml:5: services.web.network_mode: network_mode "host" is not available on Fargate (every task has its own network interface); remove network_mode and reach other services by name',
      "compose.yaml:6: services.web.ports[0]: protocol sctp is not available; use tcp or udp",
    ].join("\n"),
  },
  {
    name: "schema error in an extended file",
    files: {
      "compose.yaml": "services:\n  web:\n    extends:\n      file: base.yaml\n      service: app\n",
      "base.yaml": "services:\n  app:\n    image: [not, a, string]\n",
    },
    expected: "base.yaml:3: services.app.image: must be string",
  },
];

describe("loadCompose refuses bad compose files with the exact line", () => {
  it("has a corpus of at least 25 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)("$name", async ({ files, expected }) => {
    const error = await loadCompose(createMemoryReader(files)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(expected);
    expect((error as InputError).userMessage).toBe(expected);
  });
});
