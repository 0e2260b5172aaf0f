import { describe, expect, it } from "vitest";
import { loadText, warningLines, webService } from "./helpers.js";

describe("Fargate rules: what is accepted with a named warning", () => {
  it.each([
    {
      name: "health check values outside ECS limits are clamped",
      compose: webService(
        "    healthcheck:\n      test: curl -f localhost\n      interval: 1s\n      timeout: 90s\n      retries: 20\n      start_period: 10m\n      start_interval: 1s\n",
      ),
      warnings: [
        "healthcheck-clamped compose.yaml:6: services.web.healthcheck.interval: 1s changed to 5s: ECS allows 5s to 300s",
        "healthcheck-clamped compose.yaml:7: services.web.healthcheck.timeout: 90s changed to 60s: ECS allows 2s to 60s",
        "healthcheck-clamped compose.yaml:8: services.web.healthcheck.retries: 20 changed to 10: ECS allows 1 to 10",
        "healthcheck-clamped compose.yaml:9: services.web.healthcheck.start_period: 10m changed to 300s: ECS allows 0s to 300s",
        "field-ignored compose.yaml:10: services.web.healthcheck.start_interval: ignored: ECS health checks have no start interval",
      ],
    },
    {
      name: "host paths, the Docker socket, paths the repository lacks and anonymous volumes are not mounted",
      compose: webService(
        "    volumes:\n      - ./src:/app/src\n      - /var/run/docker.sock:/var/run/docker.sock\n      - type: tmpfs\n        target: /tmp\n      - /cache\n",
      ),
      warnings: [
        "bind-mount-ignored compose.yaml:5: services.web.volumes[0]: ./src is not in the repository, so nothing is mounted at /app/src: the path keeps the image's files, on task storage",
        "bind-mount-ignored compose.yaml:6: services.web.volumes[1]: host path /var/run/docker.sock not mounted: a Fargate task has no host files; only files in the repository can be mounted",
        "anonymous-volume-ignored compose.yaml:9: services.web.volumes[3]: /cache not mounted: Fargate would mount an empty directory there, hiding the image's files; the path keeps them, on task storage",
      ],
    },
    {
      name: "container settings ECS decides itself",
      compose: webService(
        "    links: [db]\n    container_name: web1\n    hostname: w\n    domainname: example.com\n    mac_address: 02:42:ac:11:65:43\n    restart: unless-stopped\n    logging:\n      driver: syslog\n    network_mode: bridge\n    platform: linux/amd64\n",
        "  db:\n    image: pg\n",
      ),
      warnings: [
        "container-name-ignored compose.yaml:5: services.web.container_name: ignored: the service is reached by its compose service name",
        "hostname-ignored compose.yaml:6: services.web.hostname: ignored: the service is reached by its compose service name",
        "domainname-ignored compose.yaml:7: services.web.domainname: ignored on Fargate",
        "mac-address-ignored compose.yaml:8: services.web.mac_address: ignored: Fargate assigns the network interface",
        "restart-ignored compose.yaml:9: services.web.restart: ignored: ECS restarts the service's task when it stops",
        "logging-replaced compose.yaml:10: services.web.logging: replaced: the service logs to CloudWatch Logs",
        "network-mode-ignored compose.yaml:12: services.web.network_mode: ignored: Fargate tasks use awsvpc networking and services reach each other by name",
      ],
    },
    {
      name: "kernel and resolver settings",
      compose: webService("    tmpfs: /run\n    shm_size: 64m\n    sysctls:\n      net.core.somaxconn: 1024\n    dns: 8.8.8.8\n    dns_search: [example.com]\n"),
      warnings: [
        "shm-size-ignored compose.yaml:5: services.web.shm_size: ignored: Fargate does not set the shared memory size",
        "sysctls-ignored compose.yaml:6: services.web.sysctls: ignored on Fargate",
        "dns-ignored compose.yaml:8: services.web.dns: ignored: Fargate tasks use the VPC resolver",
        "dns-ignored compose.yaml:9: services.web.dns_search: ignored: Fargate tasks use the VPC resolver",
      ],
    },
    {
      name: "replicas, scale and deploy policies",
      compose: webService(
        "    deploy:\n      replicas: 3\n      restart_policy:\n        condition: on-failure\n      resources:\n        limits:\n          pids: 10\n        reservations:\n          memory: 100m\n",
        "  api:\n    image: api\n    scale: 2\n",
      ),
      warnings: [
        "replicas-reduced compose.yaml:5: services.web.deploy.replicas: a preview runs one task, not 3",
        "field-ignored compose.yaml:6: services.web.deploy.restart_policy: ignored: a preview runs one task per service, managed by ECS",
        "field-ignored compose.yaml:10: services.web.deploy.resources.limits.pids: ignored on Fargate",
        "field-ignored compose.yaml:11: services.web.deploy.resources.reservations: ignored: a Fargate task gets the limits as its size",
        "replicas-reduced compose.yaml:15: services.api.scale: a preview runs one task, not 2",
      ],
    },
    {
      name: "networks, secret drivers and other top-level keys",
      compose:
        "version: '3'\nname: shop\nservices:\n  web:\n    image: app\n    secrets: [s]\n    configs: [{source: c, target: /etc/app/c.ini}]\n    networks: [back]\nnetworks:\n  back: {}\nsecrets:\n  s:\n    file: ./s\n    labels: {team: shop}\nconfigs:\n  c:\n    file: ./c\n    template_driver: golang\nx-common: &c\n  a: 1\n",
      files: { s: "hunter2\n", c: "[app]\n" },
      warnings: [
        "version-obsolete compose.yaml:1: version: obsolete and ignored, as Docker Compose ignores it",
        "field-ignored compose.yaml:2: name: ignored on Fargate",
        "networks-ignored compose.yaml:9: networks: ignored: a preview has one network and every service reaches the others by name",
        "field-ignored compose.yaml:14: secrets.s.labels: ignored: a preview writes the file itself, with no driver or labels",
        "field-ignored compose.yaml:18: configs.c.template_driver: ignored: a preview writes the file itself, with no driver or labels",
        "networks-ignored compose.yaml:8: services.web.networks: ignored: a preview has one network and every service reaches the others by name",
      ],
    },
    {
      name: "a platform other than linux/amd64",
      compose: webService("    platform: linux/arm64\n"),
      warnings: [
        "platform-unsupported compose.yaml:4: services.web.platform: ignored: previews run on linux/amd64, not linux/arm64; make sure the image has a linux/amd64 variant",
      ],
    },
    {
      name: "a service name with a dot",
      compose: webService("    depends_on: [api.v1]\n", "  api.v1:\n    image: api\n"),
      warnings: [
        'dotted-service-name compose.yaml:5: services.api.v1: "api.v1" has a dot in its name: images built on musl (Alpine) look a dotted name up only as written, not under the preview\'s search domain, so they cannot reach this service by it; rename the service without dots',
      ],
    },
    {
      // Named volumes bound to a host folder through the local driver, a pattern of self-hosting guides.
      name: "volume driver options",
      compose: webService(
        "    volumes: [data:/data, cache:/cache]\n",
        "volumes:\n  data:\n    driver: local\n    driver_opts:\n      type: none\n      o: bind\n      device: ./data\n  cache:\n    driver: rexray/ebs\n    labels: [tier=cache]\n    external: true\n",
      ),
      warnings: [
        "field-ignored compose.yaml:8: volumes.data.driver_opts: ignored: volume \"data\" is task storage on Fargate, not the folder ./data it binds; to mount the repository's folder, write it in the service's volumes (./data:<path>)",
        "field-ignored compose.yaml:13: volumes.cache.driver: ignored: volume \"cache\" is task storage on Fargate, which has no volume driver or labels",
        "field-ignored compose.yaml:14: volumes.cache.labels: ignored: volume \"cache\" is task storage on Fargate, which has no volume driver or labels",
        "named-volume-ephemeral compose.yaml:4: services.web.volumes[0]: volume \"data\" is task storage on Fargate: its data lives as long as the task",
        "named-volume-ephemeral compose.yaml:4: services.web.volumes[1]: volume \"cache\" is task storage on Fargate: its data lives as long as the task",
      ],
    },
    {
      // Sentry self-hosted's services, with DOCKER_PLATFORM and SENTRY_MAIL_HOST unset as most users leave them.
      name: "platform and hostname that interpolate to nothing",
      compose: webService('    platform: ${DOCKER_PLATFORM:-}\n    hostname: "${SENTRY_MAIL_HOST:-}"\n'),
      warnings: [],
    },
    {
      name: "a published port that differs from the container port",
      compose: webService('    ports:\n      - "8080:80"\n      - target: 3000\n        published: "3001"\n'),
      warnings: [
        "published-port-ignored compose.yaml:5: services.web.ports[0]: published port 8080 ignored: Fargate maps no host ports; the load balancer and the other services use container port 80",
        "published-port-ignored compose.yaml:6: services.web.ports[1]: published port 3001 ignored: Fargate maps no host ports; the load balancer and the other services use container port 3000",
      ],
    },
    {
      name: "published ranges that differ from the container's",
      compose: webService('    ports:\n      - "9000-9010:7000-7010/udp"\n      - "8000-8002:80"\n'),
      warnings: [
        "published-port-ignored compose.yaml:5: services.web.ports[0]: published ports 9000-9010 ignored: Fargate maps no host ports; the load balancer and the other services use container ports 7000-7010",
        "published-port-ignored compose.yaml:6: services.web.ports[1]: published ports 8000-8002 ignored: Fargate maps no host ports; the load balancer and the other services use container port 80",
      ],
    },
    {
      name: "a host address on a port",
      compose: webService('    ports:\n      - "127.0.0.1:8080:8080"\n'),
      warnings: [
        "port-host-ip-ignored compose.yaml:5: services.web.ports[0]: host address 127.0.0.1 ignored: the preview is reached through its load balancer",
      ],
    },
    {
      name: "ulimits other than nofile",
      compose: webService("    ulimits:\n      nofile: 4096\n      nproc: 65535\n"),
      warnings: ["ulimit-ignored compose.yaml:6: services.web.ulimits.nproc: ignored: Fargate lets a task change only the nofile limit"],
    },
    {
      name: "a named volume shared by two services",
      compose: webService("    volumes: [data:/data]\n", "  worker:\n    image: app\n    volumes: [data:/data]\nvolumes:\n  data:\n"),
      warnings: [
        'named-volume-ephemeral compose.yaml:4: services.web.volumes[0]: volume "data" is task storage on Fargate: its data lives as long as the task',
        'named-volume-ephemeral compose.yaml:7: services.worker.volumes[0]: volume "data" is task storage on Fargate: its data lives as long as the task',
        'volume-not-shared compose.yaml:9: volumes.data: volume "data" is mounted by web and worker at /data, but Fargate tasks share no storage: each gets its own empty copy and none sees what another writes there; serve the files from the service that makes them, build them into the image that reads them (COPY --from), or put them in S3',
      ],
    },
    {
      name: "a named volume two services write and a third reads, one of them mounting it twice",
      compose: webService(
        "    volumes: [media:/app/media]\n",
        [
          "  worker:",
          "    image: app",
          "    volumes: [media:/app/media, media:/srv/thumbnails]",
          "  nginx:",
          "    image: nginx",
          "    volumes:",
          "      - type: volume",
          "        source: media",
          "        target: /usr/share/nginx/html/media",
          "        read_only: true",
          "volumes:",
          "  media:",
          "",
        ].join("\n"),
      ),
      warnings: [
        'named-volume-ephemeral compose.yaml:4: services.web.volumes[0]: volume "media" is task storage on Fargate: its data lives as long as the task',
        'named-volume-ephemeral compose.yaml:7: services.worker.volumes[0]: volume "media" is task storage on Fargate: its data lives as long as the task',
        'named-volume-ephemeral compose.yaml:7: services.worker.volumes[1]: volume "media" is task storage on Fargate: its data lives as long as the task',
        'named-volume-ephemeral compose.yaml:11: services.nginx.volumes[0]: volume "media" is task storage on Fargate: its data lives as long as the task',
        'volume-not-shared compose.yaml:16: volumes.media: volume "media" is mounted by web at /app/media, worker at /app/media and /srv/thumbnails and nginx at /usr/share/nginx/html/media (read-only), but Fargate tasks share no storage: nginx gets its own empty copy and will not see what web and worker write there; serve the files from web, build them into nginx\'s image (COPY --from), or put them in S3',
      ],
    },
    {
      name: "services behind a profile and optional dependencies on them",
      compose: webService(
        "    depends_on:\n      db:\n        condition: service_started\n        required: false\n",
        "  db:\n    image: pg\n    profiles: [tools]\n",
      ),
      warnings: [
        "profile-skipped compose.yaml:10: services.db.profiles: left out: its profile tools is not enabled; enable it with `profiles: [tools]` in .github/preview.yml or COMPOSE_PROFILES in .env",
        'dependency-skipped compose.yaml:5: services.web.depends_on.db: "db" is left out: its profile tools is not enabled (Compose never enables a dependency\'s profile for it); enable it with `profiles: [tools]` in .github/preview.yml or COMPOSE_PROFILES in .env; dropped because the dependency has required: false',
      ],
    },
    {
      name: "a service scaled to zero",
      compose: webService("    deploy:\n      replicas: 0\n", "  api:\n    image: api\n"),
      warnings: ["scaled-to-zero compose.yaml:5: services.web.deploy.replicas: left out: the service is scaled to 0"],
    },
    {
      name: "a healthcheck without a test",
      compose: webService("    healthcheck:\n      interval: 10s\n"),
      warnings: [
        "healthcheck-without-test compose.yaml:4: services.web.healthcheck: ignored: without a test the image's own HEALTHCHECK applies, which ECS does not read; add a test",
      ],
    },
    {
      name: "an unknown-to-berth field",
      compose: webService("    stop_signal: SIGINT\n    security_opt: [no-new-privileges:true]\n    x-custom: kept out\n"),
      warnings: [
        "field-ignored compose.yaml:4: services.web.stop_signal: ignored on Fargate",
        "field-ignored compose.yaml:5: services.web.security_opt: ignored on Fargate",
      ],
    },
  ])("$name", async ({ compose, warnings, files }) => {
    expect(warningLines(await loadText(compose, files))).toEqual(warnings);
  });

  it("leaves skipped services out of the project", async () => {
    const project = await loadText(webService("", "  db:\n    image: pg\n    profiles: [tools]\n  api:\n    image: api\n    scale: 0\n"));
    expect(project.services.map((s) => s.name)).toEqual(["web"]);
  });
});

describe("Fargate rules: named volumes and the image's own files", () => {
  it("mounts a named volume on a third-party image or a read-only service, never over a built image's files", async () => {
    const project = await loadText(
      [
        "services:",
        "  app:",
        "    build: .",
        "    volumes:",
        "      - node_modules:/app/node_modules",
        "  ro:",
        "    build: .",
        "    read_only: true",
        "    volumes:",
        "      - scratch:/tmp/scratch",
        "  db:",
        "    image: postgres:16",
        "    volumes:",
        "      - pgdata:/var/lib/postgresql/data",
        "volumes:",
        "  node_modules:",
        "  scratch:",
        "  pgdata:",
        "",
      ].join("\n"),
    );

    expect(project.services.map((s) => [s.name, s.volumes])).toEqual([
      ["app", []],
      ["ro", [{ name: "scratch", target: "/tmp/scratch", readOnly: false }]],
      ["db", [{ name: "pgdata", target: "/var/lib/postgresql/data", readOnly: false }]],
    ]);
    expect(warningLines(project)).toEqual([
      "named-volume-not-mounted compose.yaml:5: services.app.volumes[0]: volume \"node_modules\" not mounted at /app/node_modules: on Fargate it would start empty and hide the built image's files there; the path keeps them, on task storage",
      'named-volume-ephemeral compose.yaml:10: services.ro.volumes[0]: volume "scratch" is task storage on Fargate: its data lives as long as the task',
      'named-volume-ephemeral compose.yaml:14: services.db.volumes[0]: volume "pgdata" is task storage on Fargate: its data lives as long as the task',
    ]);
  });
});
