import { describe, expect, it } from "vitest";
import type { ComposeService } from "../../src/compose/model.js";
import { InputError } from "../../src/errors.js";
import { buildTemplate, type BuildTemplateInput } from "../../src/stack/build-template.js";
import { BASE, config, project, service, TARGET } from "./fixtures/projects.js";

const web = (fields: Partial<ComposeService> = {}) => service("web", { image: "app:1", ports: [{ target: 3000, protocol: "tcp" }], line: 2, ...fields });
const db = (fields: Partial<ComposeService> = {}) => service("db", { image: "postgres:16", line: 9, ...fields });

/** The InputError's message lines, or a failure when rendering succeeds or throws anything else. */
function errorLines(input: Pick<BuildTemplateInput, "project" | "config"> & Partial<BuildTemplateInput>): string[] {
  try {
    buildTemplate({ target: TARGET, baseStack: BASE, images: {}, ...input });
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).message.split("\n");
  }
  throw new Error("expected an InputError");
}

describe("buildTemplate refuses what it cannot deploy, naming file, line and key", () => {
  it.each([
    {
      case: "no service publishes a port",
      project: project(web({ ports: [] }), db()),
      config: {},
      lines: [
        ".github/preview.yml: service: no compose service publishes a port, so berth cannot tell which one answers on the preview URL; set `service:` in .github/preview.yml",
      ],
    },
    {
      case: "several services publish ports",
      project: project(web(), service("admin", { image: "admin:1", ports: [{ target: 4000, published: 4000, protocol: "tcp" }] }), db()),
      config: {},
      lines: [
        ".github/preview.yml: service: several compose services publish ports (web, admin); set `service:` in .github/preview.yml to the one that answers on the preview URL",
      ],
    },
    {
      case: "service names no compose service",
      project: project(web(), db()),
      config: { service: "wbe" },
      lines: ['.github/preview.yml: service: no compose service named "wbe"; services: web, db'],
    },
    {
      case: "release steps with several built services, none of them public",
      project: project(
        service("proxy", { image: "nginx:1", ports: [{ target: 80, protocol: "tcp" }] }),
        service("api", { build: { context: "api", args: {} } }),
        service("worker", { build: { context: "worker", args: {} } }),
      ),
      config: { release: { migrate: "bin/migrate" } },
      lines: [
        '.github/preview.yml: release: several services are built from the repository (api, worker) and "proxy" is not one of them; set release.service to the one whose image runs migrate and seed',
      ],
    },
    {
      case: "the public service has no port",
      project: project(web({ ports: [] }), db()),
      config: { service: "web" },
      lines: ['.github/preview.yml: port: service "web" publishes and exposes no port; set `port:` in .github/preview.yml to the port it serves HTTP on'],
    },
    {
      case: "the public port inside a port range",
      project: project(web({ portRanges: [{ first: 40000, last: 40100, protocol: "tcp" }] }), db()),
      config: { port: 40080 },
      lines: [
        '.github/preview.yml: port: port 40080 is inside the range 40000-40100 that service "web" publishes or exposes; list 40080 on its own in the compose file and split the range around it',
      ],
    },
    {
      case: "the public service has several ports",
      project: project(web({ expose: [3035] }), db()),
      config: {},
      lines: ['.github/preview.yml: port: service "web" listens on several ports (3000, 3035); set `port:` in .github/preview.yml to the one that serves HTTP'],
    },
    {
      case: "service_healthy on a service without a health check",
      project: project(web({ dependsOn: [{ service: "db", condition: "service_healthy" }] }), db()),
      config: {},
      lines: [
        'docker-compose.yml:2: services.web.depends_on.db.condition: service_healthy needs a healthcheck on service "db"; add one to "db" or use condition service_started',
      ],
    },
    {
      case: "a dependency that is not in the project",
      project: project(web({ dependsOn: [{ service: "cache", condition: "service_started" }] })),
      config: {},
      lines: ['docker-compose.yml:2: services.web.depends_on.cache: no service "cache" in the project (is it in an inactive profile?)'],
    },
    {
      case: "a dependency cycle",
      project: project(
        web({ dependsOn: [{ service: "db", condition: "service_started" }] }),
        db({ dependsOn: [{ service: "web", condition: "service_started" }] }),
      ),
      config: {},
      lines: ["docker-compose.yml:2: services.web.depends_on: services depend on each other in a cycle: web -> db -> web"],
    },
    {
      case: "a service name that cannot be a hostname",
      project: project(web(), service("d".repeat(64), { image: "x:1", line: 5 })),
      config: {},
      lines: [
        `docker-compose.yml:5: services.${"d".repeat(64)}: the service name must be a DNS name (letters, digits, hyphens, at most 63 characters) so the other services can reach it by name`,
      ],
    },
    {
      case: "a service with neither image nor build",
      project: project(web(), service("worker", { line: 6 })),
      config: {},
      lines: ["docker-compose.yml:6: services.worker: has neither `image` nor `build`"],
    },
    {
      case: "compose limits beyond Fargate",
      project: project(web({ limits: { memoryMiB: 200_000 } })),
      config: {},
      lines: [
        "docker-compose.yml:2: services.web.deploy.resources.limits: memory 200000 MiB is more than the largest Fargate size (cpu 16384, memory 122880 MiB)",
      ],
    },
  ])("$case", ({ project, config: raw, lines }) => {
    expect(errorLines({ project, config: config(raw) })).toEqual(lines);
  });

  it("reports every problem of the config at once", () => {
    const lines = errorLines({
      project: project(web(), db()),
      config: config({
        release: { migrate: "bin/migrate 'oops", service: "api" },
        resources: { cpu: 256, memory: 4096, services: { wbe: { cpu: 512, memory: 1024 } } },
      }),
    });
    expect(lines).toEqual([
      '.github/preview.yml: resources.services.wbe: no compose service named "wbe"; services: web, db',
      ".github/preview.yml: resources.memory: 4096 MiB is not valid with cpu 256; valid values: 512, 1024, 2048",
      ".github/preview.yml: release.migrate: unbalanced ' quote in command: bin/migrate 'oops",
      '.github/preview.yml: release.service: no compose service named "api"; services: web, db',
    ]);
  });

  it.each([
    {
      release: { migrate: "bin/rails db:migrate && bin/rails db:seed" },
      lines: [
        '.github/preview.yml: release.migrate: unquoted shell operator "&" in command: bin/rails db:migrate && bin/rails db:seed; there is no shell, so write it as sh -c "..." or as a list',
      ],
    },
    // The schema refuses a blank string; a config built in code can still hold one.
    { release: { seed: "   " }, lines: [".github/preview.yml: release.seed: the command is empty"] },
  ])("refuses release command $release", ({ release, lines }) => {
    expect(errorLines({ project: project(web()), config: { ...config(), release } })).toEqual(lines);
  });

  it("splits release commands as compose splits `command:`", () => {
    const stack = buildTemplate({
      target: TARGET,
      baseStack: BASE,
      images: {},
      project: project(web()),
      config: config({ release: { migrate: `sh -c 'bin/migrate && bin/check'`, seed: ["bin/seed", "--demo"] } }),
    });
    expect(stack.release).toEqual([
      { name: "migrate", command: ["sh", "-c", "bin/migrate && bin/check"] },
      { name: "seed", command: ["bin/seed", "--demo"] },
    ]);
  });

  it("names config lines when the caller passes them", () => {
    const at: Record<string, number> = { service: 1, "resources.cpu": 6 };
    const lines = errorLines({
      project: project(web(), db()),
      config: config({ service: "nope", resources: { cpu: 100 } }),
      configLineOf: (path) => at[path.join(".")],
    });
    expect(lines).toEqual([
      ".github/preview.yml:6: resources.cpu: 100 is not a Fargate CPU size; valid values: 256, 512, 1024, 2048, 4096, 8192, 16384",
      '.github/preview.yml:1: service: no compose service named "nope"; services: web, db',
    ]);
  });

  it("carries structured diagnostics for the check run", () => {
    try {
      buildTemplate({ target: TARGET, baseStack: BASE, images: {}, project: project(web({ dependsOn: [{ service: "db", condition: "service_healthy" }] }), db()), config: config() });
      expect.unreachable();
    } catch (error) {
      expect((error as InputError).diagnostics).toEqual([
        {
          file: "docker-compose.yml",
          line: 2,
          path: "services.web.depends_on.db.condition",
          message: 'services.web.depends_on.db.condition: service_healthy needs a healthcheck on service "db"; add one to "db" or use condition service_started',
        },
      ]);
    }
  });
});
