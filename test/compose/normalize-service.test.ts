import { describe, expect, it } from "vitest";
import type { ComposeService } from "../../src/compose/model.js";
import { loadText, warningLines, webService } from "./helpers.js";

async function web(lines: string, rest = ""): Promise<ComposeService> {
  const project = await loadText(webService(lines, rest));
  return project.services[0]!;
}

describe("values Compose gives without being written", () => {
  it("a label without a value is an empty label, not a variable of .env", async () => {
    const project = await loadText(webService("    labels:\n      - traefik.enable=true\n      - com.example.marker\n      - HOME\n"), { ".env": "HOME=/root\n" });

    expect(project.services[0]!.labels).toEqual({ "traefik.enable": "true", "com.example.marker": "", HOME: "" });
  });

  it("healthcheck test: [] is no test, warned about as a left-out one", async () => {
    const project = await loadText(webService("    healthcheck:\n      test: []\n      interval: 10s\n"));

    expect(project.services[0]!.healthcheck).toBeUndefined();
    expect(warningLines(project)).toEqual([
      "healthcheck-without-test compose.yaml:4: services.web.healthcheck: ignored: without a test the image's own HEALTHCHECK applies, which ECS does not read; add a test",
    ]);
  });
});

describe("normalizing short and long syntaxes", () => {
  it.each([
    { lines: '    ports: ["3000"]\n', ports: [{ target: 3000, protocol: "tcp" }] },
    { lines: "    ports: [3000]\n", ports: [{ target: 3000, protocol: "tcp" }] },
    { lines: '    ports: ["8080:8080"]\n', ports: [{ target: 8080, published: 8080, protocol: "tcp" }] },
    { lines: '    ports: ["0.0.0.0:53:53/udp"]\n', ports: [{ target: 53, published: 53, protocol: "udp" }] },
    { lines: '    ports: ["[::]:80:80"]\n', ports: [{ target: 80, published: 80, protocol: "tcp" }] },
    { lines: "    ports:\n      - target: 80\n        protocol: udp\n", ports: [{ target: 80, protocol: "udp" }] },
    { lines: "    ports:\n      - target: 80\n        published: 80\n        mode: host\n", ports: [{ target: 80, published: 80, protocol: "tcp" }] },
    { lines: '    ports: ["80", "80:80"]\n', ports: [{ target: 80, protocol: "tcp" }] },
    { lines: '    ports: ["80:80/TCP", "53/UDP"]\n', ports: [{ target: 80, published: 80, protocol: "tcp" }, { target: 53, protocol: "udp" }] },
  ])("ports $lines", async ({ lines, ports }) => {
    expect((await web(lines)).ports).toEqual(ports);
  });

  it.each([
    {
      // MiroTalk SFU's media ports: one range per protocol.
      lines: "    ports:\n      - '3010:3010/tcp'\n      - '40000-40100:40000-40100/tcp'\n      - '40000-40100:40000-40100/udp'\n",
      ports: [{ target: 3010, published: 3010, protocol: "tcp" }],
      ranges: [{ first: 40000, last: 40100, protocol: "tcp" }, { first: 40000, last: 40100, protocol: "udp" }],
    },
    { lines: '    expose: ["7000-7010", "8000-8000"]\n', ports: [], expose: [8000], ranges: [{ first: 7000, last: 7010, protocol: "tcp" }] },
    {
      // ECS maps each port once: overlapping ranges become one, a port inside a range is left to it.
      lines: '    ports: ["5000-5010:5000-5010", "5005-5020:5005-5020", "5008:5008", "5008/udp"]\n    expose: ["5001"]\n',
      ports: [{ target: 5008, protocol: "udp" }],
      ranges: [{ first: 5000, last: 5020, protocol: "tcp" }],
    },
    { lines: '    ports: ["8000-8002:80"]\n', ports: [{ target: 80, published: 8000, protocol: "tcp" }], ranges: [] },
  ])("port ranges $lines", async ({ lines, ports, expose = [], ranges }) => {
    const service = await web(lines);
    expect({ ports: service.ports, expose: service.expose, ranges: service.portRanges }).toEqual({ ports, expose, ranges });
  });

  it("booleans written as Compose casts them: yes, On, a variable's default, and required: no on a dependency", async () => {
    const project = await loadText(
      webService(
        '    read_only: yes\n    tty: On\n    init: "${INIT:-no}"\n    depends_on:\n      cache:\n        condition: service_started\n        required: no\n',
        "  cache:\n    image: redis\n    profiles: [cache]\n",
      ),
    );
    const service = project.services[0]!;
    expect({ readOnly: service.readOnly, tty: service.tty, init: service.init }).toEqual({ readOnly: true, tty: true, init: false });
    expect(warningLines(project).filter((w) => w.startsWith("dependency-skipped"))).toHaveLength(1);
  });

  it("expose keeps each port's protocol, tcp unless it says /udp", async () => {
    const service = await web('    expose: ["3478/udp", "3478", "5349/tcp"]\n');
    expect({ expose: service.expose, exposeUdp: service.exposeUdp }).toEqual({ expose: [3478, 5349], exposeUdp: [3478] });
  });

  it.each([
    { lines: "    environment:\n      - A=1\n      - B=\n      - C\n      - D=x=y\n", env: { A: "1", B: "", D: "x=y" } },
    { lines: "    environment:\n      NUM: 3\n      BOOL: true\n      NULLED:\n      EMPTY: ''\n", env: { NUM: "3", BOOL: "true", EMPTY: "" } },
  ])("environment $lines", async ({ lines, env }) => {
    expect((await web(lines)).environment).toEqual(env);
  });

  it.each([
    { lines: "    volumes: [/app/node_modules]\n", volumes: [] },
    { lines: "    read_only: true\n    volumes: [/var/cache/app]\n", volumes: [{ target: "/var/cache/app", readOnly: false }] },
    { lines: "    volumes:\n      - type: volume\n        target: /scratch\n", volumes: [] },
  ])("anonymous volumes $lines", async ({ lines, volumes }) => {
    expect((await web(lines)).volumes).toEqual(volumes);
  });

  it.each([
    { lines: "    depends_on: [db]\n", dependsOn: [{ service: "db", condition: "service_started" }] },
    {
      lines: "    depends_on:\n      db:\n        condition: service_started\n        restart: true\n",
      dependsOn: [{ service: "db", condition: "service_started" }],
    },
    { lines: "    depends_on:\n      db: {condition: service_started, required: true}\n", dependsOn: [{ service: "db", condition: "service_started" }] },
  ])("depends_on $lines", async ({ lines, dependsOn }) => {
    expect((await web(lines, "  db:\n    image: pg\n")).dependsOn).toEqual(dependsOn);
  });

  it.each([
    { lines: "    healthcheck:\n      test: pg_isready\n", healthcheck: { test: ["CMD-SHELL", "pg_isready"], timeoutSeconds: 30 } },
    { lines: '    healthcheck:\n      test: ["CMD", "pg_isready", "-q"]\n', healthcheck: { test: ["CMD", "pg_isready", "-q"], timeoutSeconds: 30 } },
    { lines: '    healthcheck:\n      test: ["CMD-SHELL", "pg_isready || exit 1"]\n', healthcheck: { test: ["CMD-SHELL", "pg_isready || exit 1"], timeoutSeconds: 30 } },
    { lines: '    healthcheck:\n      test: ["NONE"]\n', healthcheck: undefined },
    { lines: '    healthcheck:\n      test: ["CMD", "true"]\n      disable: true\n', healthcheck: undefined },
    {
      lines: '    healthcheck:\n      test: ["CMD", "true"]\n      interval: 1m30s\n      timeout: 10s\n      retries: 5\n      start_period: 0s\n',
      healthcheck: { test: ["CMD", "true"], intervalSeconds: 90, timeoutSeconds: 10, retries: 5, startPeriodSeconds: 0 },
    },
  ])("healthcheck $lines", async ({ lines, healthcheck }) => {
    expect((await web(lines)).healthcheck).toEqual(healthcheck);
  });

  it.each([
    { lines: "    command: npm start\n", command: ["npm", "start"] },
    { lines: "    command: [\"npm\", \"run\", \"a b\"]\n", command: ["npm", "run", "a b"] },
    { lines: "    command: sh -c 'echo $$HOME && ls'\n", command: ["sh", "-c", "echo $HOME && ls"] },
  ])("command $lines", async ({ lines, command }) => {
    expect((await web(lines)).command).toEqual(command);
  });

  it.each([
    { lines: '    deploy:\n      resources:\n        limits:\n          cpus: "0.5"\n          memory: 512M\n', limits: { cpus: 0.5, memoryMiB: 512 } },
    { lines: "    cpus: 2\n    mem_limit: 1g\n", limits: { cpus: 2, memoryMiB: 1024 } },
    { lines: "    mem_limit: 1.5GiB\n", limits: { memoryMiB: 1536 } },
    { lines: "    mem_limit: 1048576\n", limits: { memoryMiB: 1 } },
    { lines: '    cpus: "0.25"\n    deploy:\n      resources:\n        limits:\n          cpus: 0.25\n', limits: { cpus: 0.25 } },
  ])("limits $lines", async ({ lines, limits }) => {
    expect((await web(lines)).limits).toEqual(limits);
  });

  it("translates the remaining fields", async () => {
    const service = await web(
      '    user: "1000:1000"\n    working_dir: /srv\n    init: "true"\n    read_only: false\n    tty: true\n    stdin_open: true\n' +
        "    stop_grace_period: 1m\n    labels: [team=web, tier=front]\n    ulimits:\n      nofile:\n        soft: 1024\n        hard: 4096\n" +
        "    cap_add: [CAP_SYS_PTRACE]\n    cap_drop: [net_raw, ALL]\n    entrypoint: /entry.sh --flag\n    expose: [9000, \"9001/tcp\"]\n",
    );
    expect(service).toMatchObject({
      user: "1000:1000",
      workingDir: "/srv",
      init: true,
      readOnly: false,
      tty: true,
      stdinOpen: true,
      stopGracePeriodSeconds: 60,
      labels: { team: "web", tier: "front" },
      ulimits: [{ name: "nofile", soft: 1024, hard: 4096 }],
      capAdd: ["SYS_PTRACE"],
      capDrop: ["NET_RAW", "ALL"],
      entrypoint: ["/entry.sh", "--flag"],
      expose: [9000, 9001],
    });
  });

  it("keeps image and build together and reads the long build form", async () => {
    const project = await loadText(
      "services:\n  web:\n    image: registry/web:latest\n    build:\n      context: ./web\n      dockerfile: Dockerfile.prod\n      target: runtime\n      args:\n        - VERSION=1\n        - FROM_DOTENV\n        - MISSING\n",
      { ".env": "FROM_DOTENV=yes\n" },
    );
    expect(project.services[0]).toMatchObject({
      image: "registry/web:latest",
      build: { context: "web", dockerfile: "Dockerfile.prod", target: "runtime", args: { VERSION: "1", FROM_DOTENV: "yes" } },
    });
  });

  it("resolves a build context against the compose file's directory", async () => {
    const project = await loadText("services:\n  web:\n    extends:\n      file: app/base.yaml\n      service: web\n", {
      "app/base.yaml": "services:\n  web:\n    build: ../src\n",
    });
    expect(project.services[0]?.build).toEqual({ context: "src", args: {} });
  });
});
