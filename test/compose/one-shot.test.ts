import { describe, expect, it } from "vitest";
import { loadCompose } from "../../src/compose/load-compose.js";
import { oneShotSteps } from "../../src/stack/release.js";
import { createMemoryReader } from "../../src/util/repo-reader.js";

/** A compose.yaml with a public `web` service first, then `rest` (more services, or keys of web). */
const compose = (rest: string) => `services:\n  web:\n    image: app\n    ports: ["3000:3000"]\n${rest}`;

async function load(text: string) {
  return loadCompose(createMemoryReader({ "compose.yaml": text }), ["compose.yaml"]);
}

describe("which compose services run once", () => {
  it.each([
    {
      name: "a service web waits for with service_completed_successfully (no restart key, as in n8n)",
      text: compose("    depends_on:\n      migrate:\n        condition: service_completed_successfully\n  migrate:\n    image: app\n    command: npm run migrate\n"),
      oneShots: ["migrate"],
    },
    {
      name: 'restart: "no" with no port, no healthcheck and nobody waiting (MinIO\'s createbuckets)',
      text: compose('  minio:\n    image: minio/minio\n  createbuckets:\n    image: minio/mc\n    restart: "no"\n    depends_on: [minio]\n'),
      oneShots: ["createbuckets"],
    },
    {
      name: "restart: no unquoted",
      text: compose("  init:\n    image: busybox\n    restart: no\n"),
      oneShots: ["init"],
    },
    {
      name: 'restart: "no" on a service another one waits for to be started (it must keep running)',
      text: compose('    depends_on: [cache]\n  cache:\n    image: redis\n    restart: "no"\n'),
      oneShots: [],
    },
    {
      name: 'restart: "no" on a service that exposes a port',
      text: compose('  api:\n    image: api\n    expose: ["8080"]\n    restart: "no"\n'),
      oneShots: [],
    },
    {
      name: 'restart: "no" on a service with a healthcheck',
      text: compose('  db:\n    image: postgres\n    restart: "no"\n    healthcheck:\n      test: ["CMD", "pg_isready"]\n'),
      oneShots: [],
    },
    {
      name: "restart: on-failure alone (a worker that stays up)",
      text: compose("  worker:\n    image: app\n    command: celery worker\n    restart: on-failure\n"),
      oneShots: [],
    },
    {
      name: "no restart key and nobody waiting for completion",
      text: compose("  worker:\n    image: app\n"),
      oneShots: [],
    },
  ])("$name", async ({ text, oneShots }) => {
    const project = await load(text);

    expect(project.services.filter((s) => s.oneShot).map((s) => s.name)).toEqual(oneShots);
  });

  it("drops the restart warning of a one-shot service and keeps it for the others", async () => {
    const project = await load(
      compose('    restart: always\n    depends_on:\n      init:\n        condition: service_completed_successfully\n  init:\n    image: app\n    restart: "no"\n'),
    );

    expect(project.warnings.map((w) => `${w.code} ${w.file}:${w.line}`)).toEqual(["restart-ignored compose.yaml:5"]);
  });

  /** `web` waits for `init` to complete; `lines` go under `init`. */
  const awaited = (lines: string) =>
    compose(`    depends_on:\n      init:\n        condition: service_completed_successfully\n  init:\n    image: app\n    command: ./bin/wait-and-migrate\n${lines}`);

  it.each([
    { name: "restart: on-failure:2", lines: "    restart: on-failure:2\n", retries: 2, warnings: [] },
    { name: "deploy.restart_policy on-failure with max_attempts", lines: "    deploy:\n      restart_policy:\n        condition: on-failure\n        max_attempts: 5\n", retries: 5, warnings: [] },
    {
      name: "deploy.restart_policy wins over restart, as in Compose",
      lines: '    restart: "no"\n    deploy:\n      restart_policy:\n        condition: on-failure\n        max_attempts: 1\n',
      retries: 1,
      warnings: [],
    },
    {
      name: "restart: on-failure without a limit: capped, and said so on its line",
      lines: "    restart: on-failure\n",
      retries: 3,
      warnings: [
        "restart-capped compose.yaml:11: services.init.restart: on-failure without a limit retries for ever in Compose; berth runs this one-shot service at most 4 times (3 retries) before the deploy fails; write on-failure:N to choose the number",
      ],
    },
    {
      name: "on-failure:0, which Docker takes as no limit",
      lines: "    restart: on-failure:0\n",
      retries: 3,
      warnings: [
        "restart-capped compose.yaml:11: services.init.restart: on-failure without a limit retries for ever in Compose; berth runs this one-shot service at most 4 times (3 retries) before the deploy fails; write on-failure:N to choose the number",
      ],
    },
    {
      name: "deploy.restart_policy on-failure without max_attempts",
      lines: "    deploy:\n      restart_policy:\n        condition: on-failure\n        delay: 5s\n",
      retries: 3,
      warnings: [
        "restart-capped compose.yaml:13: services.init.deploy.restart_policy.condition: on-failure without a limit retries for ever in Compose; berth runs this one-shot service at most 4 times (3 retries) before the deploy fails; set max_attempts to choose the number",
      ],
    },
    {
      name: "more retries than berth gives",
      lines: "    restart: on-failure:50\n",
      retries: 10,
      warnings: [
        "restart-capped compose.yaml:11: services.init.restart: 50 retries capped at 10: berth runs this one-shot service at most 11 times, each in a new Fargate task, before the deploy fails",
      ],
    },
    { name: 'restart: "no"', lines: '    restart: "no"\n', retries: 0, warnings: [] },
    { name: "no restart key", lines: "", retries: 0, warnings: [] },
    { name: "restart_policy condition none", lines: "    deploy:\n      restart_policy:\n        condition: none\n", retries: 0, warnings: [] },
  ])("a one-shot service with $name runs again $retries times after a non-zero exit", async ({ lines, retries, warnings }) => {
    const project = await load(awaited(lines));

    const init = project.services.find((s) => s.name === "init")!;
    expect([init.oneShot, init.retries ?? 0]).toEqual([true, retries]);
    expect(oneShotSteps(project)).toEqual([
      { name: "init:init", service: "init", command: ["./bin/wait-and-migrate"], ...(retries === 0 ? {} : { retries }) },
    ]);
    expect(project.warnings.map((w) => `${w.code} ${w.file}:${w.line}: ${w.message}`)).toEqual(warnings);
  });

  it("a long-running worker with restart: on-failure keeps its restart-ignored warning and gets no retries", async () => {
    const project = await load(compose("  worker:\n    image: app\n    restart: on-failure\n"));

    expect(project.services.find((s) => s.name === "worker")).not.toHaveProperty("retries");
    expect(project.warnings.map((w) => w.code)).toEqual(["restart-ignored"]);
  });

  it("orders one-shot services after the one-shot services they wait for, else in file order", async () => {
    const project = await load(
      compose(
        [
          "    depends_on:",
          "      seed: {condition: service_completed_successfully}",
          "      createbuckets: {condition: service_completed_successfully}",
          "  seed:",
          "    image: app",
          "    command: [npm, run, seed]",
          "    depends_on:",
          "      migrate: {condition: service_completed_successfully}",
          "  createbuckets:",
          "    image: minio/mc",
          '    restart: "no"',
          "  migrate:",
          "    image: app",
          '    restart: "no"',
          "",
        ].join("\n"),
      ),
    );

    expect(oneShotSteps(project)).toEqual([
      { name: "init:migrate", service: "migrate" },
      { name: "init:seed", service: "seed", command: ["npm", "run", "seed"] },
      { name: "init:createbuckets", service: "createbuckets" },
    ]);
  });
});
