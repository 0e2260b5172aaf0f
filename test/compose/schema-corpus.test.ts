import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadCompose } from "../../src/compose/load-compose.js";
import { validateComposeSchema } from "../../src/compose/validate-compose-schema.js";
import { InputError } from "../../src/errors.js";
import { createMemoryReader } from "../../src/util/repo-reader.js";
import { parseYamlSource } from "../../src/util/yaml-source.js";

const spec = JSON.parse(readFileSync(new URL("../fixtures/compose-spec/compose-spec.json", import.meta.url), "utf8")) as {
  definitions: { service: { properties: Record<string, unknown> } };
};
const serviceProperties = Object.keys(spec.definitions.service.properties).sort();

/** What berth must do with a tiny compose file that uses the property. */
type Outcome = "translated" | "refused" | { warning: string };

interface Sample {
  /** The property's value on service `svc`. */
  value: unknown;
  outcome: Outcome;
  /** Other top-level keys or services the sample needs. */
  project?: Record<string, unknown>;
  /** Leave out `svc`'s default `image: alpine`. */
  noImage?: boolean;
}

const ignored = { warning: "field-ignored" } as const;

const samples: Record<string, Sample> = {
  annotations: { value: { "com.example.a": "b" }, outcome: ignored },
  attach: { value: false, outcome: ignored },
  blkio_config: { value: { weight: 300 }, outcome: ignored },
  build: { value: ".", outcome: "translated", noImage: true },
  cap_add: { value: ["SYS_PTRACE"], outcome: "translated" },
  cap_drop: { value: ["NET_RAW"], outcome: "translated" },
  cgroup: { value: "private", outcome: ignored },
  cgroup_parent: { value: "m-executor", outcome: "refused" },
  command: { value: "npm start", outcome: "translated" },
  configs: { value: [{ source: "cfg", target: "/etc/cfg/cfg.txt" }], outcome: "translated", project: { configs: { cfg: { content: "x=1" } } } },
  container_name: { value: "web", outcome: { warning: "container-name-ignored" } },
  cpu_count: { value: 2, outcome: ignored },
  cpu_percent: { value: 50, outcome: ignored },
  cpu_period: { value: 100000, outcome: ignored },
  cpu_quota: { value: 50000, outcome: ignored },
  cpu_rt_period: { value: 1000, outcome: ignored },
  cpu_rt_runtime: { value: 1000, outcome: ignored },
  cpu_shares: { value: 512, outcome: ignored },
  cpus: { value: 0.5, outcome: "translated" },
  cpuset: { value: "0-1", outcome: ignored },
  credential_spec: { value: { file: "spec.json" }, outcome: ignored },
  depends_on: { value: ["db"], outcome: "translated", project: { services: { db: { image: "postgres" } } } },
  deploy: { value: { replicas: 3 }, outcome: { warning: "replicas-reduced" } },
  develop: { value: { watch: [{ path: "./src", action: "sync", target: "/app" }] }, outcome: ignored },
  device_cgroup_rules: { value: ["c 1:3 mr"], outcome: ignored },
  devices: { value: ["/dev/fuse"], outcome: "refused" },
  dns: { value: "8.8.8.8", outcome: { warning: "dns-ignored" } },
  dns_opt: { value: ["use-vc"], outcome: { warning: "dns-ignored" } },
  dns_search: { value: "example.com", outcome: { warning: "dns-ignored" } },
  domainname: { value: "example.com", outcome: { warning: "domainname-ignored" } },
  entrypoint: { value: ["/init"], outcome: "translated" },
  env_file: { value: "svc.env", outcome: "translated" },
  environment: { value: { A: "1" }, outcome: "translated" },
  expose: { value: ["8000"], outcome: "translated" },
  extends: { value: { service: "base" }, outcome: "translated", project: { services: { base: { image: "alpine", environment: { FROM_BASE: "1" } } } } },
  external_links: { value: ["redis_1"], outcome: "refused" },
  extra_hosts: { value: ["somehost:162.242.195.82"], outcome: "refused" },
  gpus: { value: "all", outcome: "refused" },
  group_add: { value: ["mail"], outcome: ignored },
  healthcheck: { value: { test: ["CMD", "true"], interval: "1s" }, outcome: { warning: "healthcheck-clamped" } },
  hostname: { value: "web", outcome: { warning: "hostname-ignored" } },
  image: { value: "nginx:1.27", outcome: "translated" },
  init: { value: true, outcome: "translated" },
  ipc: { value: "host", outcome: "refused" },
  isolation: { value: "default", outcome: "refused" },
  label_file: { value: "labels.txt", outcome: ignored },
  labels: { value: { team: "web" }, outcome: "translated" },
  links: { value: ["db"], outcome: "translated", project: { services: { db: { image: "postgres" } } } },
  logging: { value: { driver: "json-file" }, outcome: { warning: "logging-replaced" } },
  mac_address: { value: "02:42:ac:11:65:43", outcome: { warning: "mac-address-ignored" } },
  mem_limit: { value: "512m", outcome: "translated" },
  mem_reservation: { value: "256m", outcome: ignored },
  mem_swappiness: { value: 10, outcome: ignored },
  memswap_limit: { value: "1g", outcome: ignored },
  models: { value: ["llm"], outcome: ignored, project: { models: { llm: { model: "ai/smollm2" } } } },
  network_mode: { value: "host", outcome: "refused" },
  networks: { value: ["front"], outcome: { warning: "networks-ignored" }, project: { networks: { front: {} } } },
  oom_kill_disable: { value: true, outcome: ignored },
  oom_score_adj: { value: 100, outcome: ignored },
  pid: { value: "host", outcome: "refused" },
  pids_limit: { value: 100, outcome: ignored },
  platform: { value: "linux/arm64", outcome: { warning: "platform-unsupported" } },
  ports: { value: ["3000"], outcome: "translated" },
  post_start: { value: [{ command: ["echo", "hi"] }], outcome: ignored },
  pre_stop: { value: [{ command: ["echo", "bye"] }], outcome: ignored },
  privileged: { value: true, outcome: "refused" },
  profiles: { value: ["debug"], outcome: { warning: "profile-skipped" } },
  provider: { value: { type: "model" }, outcome: "refused", noImage: true },
  pull_policy: { value: "always", outcome: ignored },
  pull_refresh_after: { value: "1h", outcome: ignored },
  read_only: { value: true, outcome: "translated" },
  restart: { value: "always", outcome: { warning: "restart-ignored" } },
  runtime: { value: "runc", outcome: "refused" },
  scale: { value: 2, outcome: { warning: "replicas-reduced" } },
  secrets: { value: ["token"], outcome: "translated", project: { secrets: { token: { file: "./svc.env" } } } },
  security_opt: { value: ["no-new-privileges:true"], outcome: ignored },
  shm_size: { value: "64m", outcome: { warning: "shm-size-ignored" } },
  stdin_open: { value: true, outcome: "translated" },
  stop_grace_period: { value: "20s", outcome: "translated" },
  stop_signal: { value: "SIGINT", outcome: ignored },
  storage_opt: { value: { size: "1G" }, outcome: ignored },
  sysctls: { value: { "net.core.somaxconn": 1024 }, outcome: { warning: "sysctls-ignored" } },
  tmpfs: { value: "/run", outcome: "translated" },
  tty: { value: true, outcome: "translated" },
  ulimits: { value: { nofile: 1024 }, outcome: "translated" },
  use_api_socket: { value: true, outcome: "refused" },
  user: { value: "1000", outcome: "translated" },
  userns_mode: { value: "host", outcome: "refused" },
  uts: { value: "host", outcome: "refused" },
  volumes: { value: ["/data"], outcome: { warning: "anonymous-volume-ignored" } },
  volumes_from: { value: ["other"], outcome: "refused" },
  working_dir: { value: "/app", outcome: "translated" },
};

function composeFor(property: string, sample: Sample): string {
  const svc: Record<string, unknown> = sample.noImage ? {} : { image: "alpine" };
  svc[property] = sample.value;
  const extra = sample.project ?? {};
  const services = { svc, other: { image: "alpine" }, ...((extra.services as object | undefined) ?? {}) };
  return stringify({ ...extra, services });
}

const baseline = (await loadCompose(createMemoryReader({ "compose.yaml": composeFor("image", { value: "alpine", outcome: "translated" }) })))
  .services[0];

describe("every service property of the Compose schema has a decision", () => {
  it("has a sample for each property in compose-spec.json", () => {
    expect(Object.keys(samples).sort()).toEqual(serviceProperties);
  });

  it.each(serviceProperties)("%s", async (property) => {
    const sample = samples[property];
    expect(sample, `add a sample for ${property}`).toBeDefined();
    const text = composeFor(property, sample!);
    const source = parseYamlSource("compose.yaml", text);
    // The sample is a file the official schema accepts.
    expect(validateComposeSchema(source, source.value)).toEqual([]);

    const reader = createMemoryReader({ "compose.yaml": text, "svc.env": "FROM_ENV_FILE=1\n" });
    const result = await loadCompose(reader).then(
      (project) => ({ project }),
      (error: unknown) => ({ error }),
    );
    if ("error" in result) {
      // Refused, never crashed: an InputError whose message names the property.
      expect(result.error).toBeInstanceOf(InputError);
      expect(sample!.outcome).toBe("refused");
      expect((result.error as InputError).message).toContain(`services.svc.${property}`);
      return;
    }
    const { project } = result;
    const svc = project.services.find((s) => s.name === "svc");
    const named = project.warnings.filter((w) => w.message.startsWith(`services.svc.${property}`));
    if (sample!.outcome === "translated") {
      expect(named).toEqual([]);
      // Not silently dropped: the translated service differs from one without the property.
      expect({ ...svc, line: undefined }).not.toEqual({ ...baseline, line: undefined });
    } else {
      expect(sample!.outcome).not.toBe("refused");
      expect(named.map((w) => w.code)).toContain((sample!.outcome as { warning: string }).warning);
    }
  });
});
