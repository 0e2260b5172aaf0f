/**
 * The planner the app runs with: planning and rendering on a worker thread, the repository read
 * on the caller's thread. It must give what planning on the caller's thread gives: the same plan
 * and template, the same problems on the same lines, and a failed read's own error.
 */
import { afterAll, describe, expect, it } from "vitest";
import { InputError, formatDiagnostic } from "../../src/errors.js";
import { loadRepoConfigSource } from "../../src/config/load-repo-config.js";
import { inProcessPlanner, type PlanInput } from "../../src/plan/planner.js";
import { createWorkerPlanner } from "../../src/plan/worker-planner.js";
import { createDirReader, createMemoryReader, type RepoReader } from "../../src/util/repo-reader.js";

const TARGET = { owner: "acme", repo: "shop", pr: 42, sha: "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e" };
const COMPOSE = "services:\n  web:\n    build: .\n    ports: ['3000:3000']\n  db:\n    image: postgres:16\n";

const planner = createWorkerPlanner();
afterAll(() => planner.close());

/** planWithConfig's input for a repository, its config loaded as the app loads it. */
async function inputFor(reader: RepoReader, withText: boolean): Promise<PlanInput> {
  const source = (await loadRepoConfigSource(reader))!;
  return {
    reader,
    config: source.config,
    target: TARGET,
    baseStack: "berth-base",
    configLineOf: source.lineOf,
    configFile: source.file,
    ...(withText ? { configText: source.text } : {}),
  };
}

async function problems(run: Promise<unknown>): Promise<string[]> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof InputError)) throw new Error(`expected an InputError, got ${String(error)}`);
  return error.diagnostics.map(formatDiagnostic);
}

describe("createWorkerPlanner", () => {
  it.each(["rails-postgres", "django-nginx-postgres", "real-world/helpdesk-selfhosted"])("plans %s as the caller's thread does, and renders it again alike", async (name) => {
    const input = await inputFor(createDirReader(new URL(`../fixtures/repos/${name}`, import.meta.url).pathname), true);

    const [onWorker, here] = await Promise.all([planner.plan(input), inProcessPlanner.plan(input)]);
    const hold = { servingImages: { web: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:old" } };

    expect(onWorker).toEqual(here);
    expect(onWorker.stack.template).toEqual(here.stack.template);
    expect(await planner.render(onWorker, { target: TARGET, baseStack: "berth-base", hold })).toEqual(await inProcessPlanner.render(here, { target: TARGET, baseStack: "berth-base", hold }));
  });

  it.each([
    { how: "from the config text it is given", withText: true },
    { how: "reading the config again when it has no text", withText: false },
  ])("names the problems and their lines, $how", async ({ withText }) => {
    const config = "image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:{sha}\nservice: api\nresources:\n  services:\n    worker: { cpu: 256, memory: 512 }\n";
    const input = await inputFor(createMemoryReader({ ".github/preview.yaml": config, "compose.yaml": COMPOSE }), withText);

    expect(await problems(planner.plan(input))).toEqual([
      `.github/preview.yaml:5: resources.services.worker: no compose service named "worker"; services: web, db`,
      `.github/preview.yaml:2: service: no compose service named "api"; services: web, db`,
    ]);
    expect(await problems(planner.plan(input))).toEqual(await problems(inProcessPlanner.plan(input)));
  });

  it("throws a failed read's own error, as the caller's reader threw it", async () => {
    const files = createMemoryReader({ ".github/preview.yml": "image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:{sha}\n", "compose.yaml": COMPOSE });
    const input = await inputFor(files, true);
    const outage = Object.assign(new Error("GET contents/compose.yaml: 502 Bad Gateway"), { status: 502 });
    const failing: RepoReader = {
      readFile: (file) => (file === "compose.yaml" ? Promise.reject(outage) : files.readFile(file)),
      listFiles: (file) => files.listFiles(file),
    };

    await expect(planner.plan({ ...input, reader: failing })).rejects.toBe(outage);
  });

  it("plans tasks side by side and answers each its own", async () => {
    const reader = createDirReader(new URL("../fixtures/repos/rails-postgres", import.meta.url).pathname);
    const input = await inputFor(reader, true);

    const plans = await Promise.all([1, 2, 3, 4].map((pr) => planner.plan({ ...input, target: { ...TARGET, pr } })));

    expect(plans.map((p) => p.stack.stackName)).toEqual(
      await Promise.all([1, 2, 3, 4].map(async (pr) => (await inProcessPlanner.plan({ ...input, target: { ...TARGET, pr } })).stack.stackName)),
    );
    expect(new Set(plans.map((p) => p.stack.stackName)).size).toBe(4);
  });
});
