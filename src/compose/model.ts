import type { Warning } from "../errors.js";

/** How a service waits for a dependency (Compose `depends_on.<name>.condition`). */
export type DependsOnCondition = "service_started" | "service_healthy" | "service_completed_successfully";

/** A container health check in ECS form. */
export interface ComposeHealthcheck {
  /** `["CMD", "pg_isready"]` or `["CMD-SHELL", "pg_isready -U postgres"]`. */
  test: string[];
  intervalSeconds?: number;
  timeoutSeconds?: number;
  retries?: number;
  startPeriodSeconds?: number;
}

/** A mount that survives translation: named or anonymous volumes become task-local ephemeral storage. */
export interface ComposeVolumeMount {
  /** Volume name for named volumes; undefined for anonymous ones. */
  name?: string;
  target: string;
  readOnly: boolean;
  /**
   * A compose tmpfs (service `tmpfs:` or a `type: tmpfs` volume): Fargate has no tmpfs, so the path
   * gets an empty piece of task storage, made writable with this octal mode (Docker's tmpfs default
   * `1777` unless the file sets `tmpfs.mode`).
   */
  tmpfsMode?: string;
}

/**
 * What a container gets at a path from the compose file: a file or folder of the repository
 * (a bind mount), a compose secret (`/run/secrets/<name>`) or a compose config.
 */
export interface ComposeFileMount {
  /** How the compose file names it, for messages: `./nginx/default.conf`, `secret "db_password"`. */
  label: string;
  /** Absolute path in the container: the file's, or the folder's for a bind-mounted folder. */
  target: string;
  /** A bind-mounted folder: it replaces the path as a whole, and `files` lie under it. */
  directory: boolean;
  readOnly: boolean;
  files: MountedFile[];
  /** 1-based line where the service lists it, for messages. */
  line?: number;
  file: string;
}

/** One file a mount writes. */
export interface MountedFile {
  /** Path under the mount's target (`""` for a single-file mount). */
  path: string;
  /** Text read from the repository or written in the compose file, or a secret ECS reads at task start. */
  content: { text: string } | { parameter: string };
  /** Octal file mode, e.g. `0444`. */
  mode: string;
  uid?: string;
  gid?: string;
}

export interface ComposePort {
  target: number;
  published?: number;
  protocol: "tcp" | "udp";
}

/** A range of container ports (`40000-40100:40000-40100/udp`, `expose: ["7000-7010"]`), first < last. */
export interface ComposePortRange {
  first: number;
  last: number;
  protocol: "tcp" | "udp";
}

/** One compose service, normalized as `docker compose config` would print it, interpolated. */
export interface ComposeService {
  name: string;
  /** `image:` as written (after interpolation). */
  image?: string;
  /** Present when the service has `build:`; berth never builds, it uses the config's image reference. */
  build?: { context: string; dockerfile?: string; target?: string; args: Record<string, string> };
  /**
   * The service whose build this one runs: set when it has no `build:` of its own but its `image:`
   * names the image that service builds (Compose builds it instead of pulling it). `build` is then
   * that service's, and the image reference is resolved for that service.
   */
  buildOf?: string;
  /** Exec form. A string command is split like compose does (shell words, no shell). */
  command?: string[];
  entrypoint?: string[];
  /** `env_file`s first, then `environment` (which wins); values interpolated. Unset vars without value are dropped. */
  environment: Record<string, string>;
  ports: ComposePort[];
  /** `expose` ports over tcp, the default. */
  expose: number[];
  /** `expose` ports written with `/udp`. */
  exposeUdp?: number[];
  /** Ranges of `ports` and `expose`, merged where they overlap; never the public port. */
  portRanges: ComposePortRange[];
  dependsOn: Array<{ service: string; condition: DependsOnCondition }>;
  /** Undefined when the service has none or disables it. */
  healthcheck?: ComposeHealthcheck;
  volumes: ComposeVolumeMount[];
  /** Files and folders from the repository, secrets and configs, at the paths the compose file gives them. */
  files: ComposeFileMount[];
  /** From `deploy.resources.limits` (or legacy `cpus`/`mem_limit`). */
  limits?: { cpus?: number; memoryMiB?: number };
  workingDir?: string;
  user?: string;
  init?: boolean;
  readOnly?: boolean;
  stopGracePeriodSeconds?: number;
  labels: Record<string, string>;
  ulimits: Array<{ name: string; soft: number; hard: number }>;
  tty?: boolean;
  stdinOpen?: boolean;
  /** Linux capabilities to add; on Fargate only `SYS_PTRACE` (names without the `CAP_` prefix). */
  capAdd?: string[];
  /** Linux capabilities to drop (names without the `CAP_` prefix). */
  capDrop?: string[];
  /** 1-based line of the service's key in the (last) compose file that defines it; for messages. */
  line?: number;
  /** The compose file that defines it (first one). */
  file: string;
  /**
   * A service that runs once and exits (see `isOneShot` in load-compose.ts): some service waits for
   * it with `service_completed_successfully`, or it says `restart: "no"` and nothing could use it
   * running. It runs as a one-off task before the release steps, never as an ECS service.
   */
  oneShot?: boolean;
  /**
   * How many times a one-shot service runs again after it exits non-zero: `restart: on-failure:N`,
   * or `deploy.restart_policy` with `condition: on-failure` and `max_attempts: N` (which wins, as in
   * Compose). Plain `on-failure`, which Compose retries without end, is capped (see load-compose.ts).
   * Absent: it runs once.
   */
  retries?: number;
}

/** The compose project berth deploys: the services that run by default (no inactive profiles). */
export interface ComposeProject {
  /** In file order. */
  services: ComposeService[];
  /** Everything accepted but changed on the way to Fargate. */
  warnings: Warning[];
  /** The compose files read, in order. */
  files: string[];
  /** Services the file defines but the preview leaves out (profiles, scale 0), with why and how to enable them. */
  leftOut?: Record<string, string>;
}

/**
 * Why `name` is not among the project's services, for a config that names it: left out by its
 * profile or scale (with how to enable it), or not defined at all (with the names there are).
 */
export function missingServiceProblem(project: ComposeProject, name: string): string {
  const reason = project.leftOut?.[name];
  if (reason !== undefined) return `compose service "${name}" ${reason}`;
  return `no compose service named "${name}"; services: ${project.services.map((s) => s.name).join(", ")}`;
}

/** A service with every list and map empty, for the loader to fill in (and tests to build on). */
export function emptyService(name: string, file: string, line?: number): ComposeService {
  return {
    name,
    environment: {},
    ports: [],
    expose: [],
    portRanges: [],
    dependsOn: [],
    volumes: [],
    files: [],
    labels: {},
    ulimits: [],
    ...(line === undefined ? {} : { line }),
    file,
  };
}
