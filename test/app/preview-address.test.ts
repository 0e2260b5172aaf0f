import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { HOST, SHA1, IMAGE } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

const URL = `https://${HOST}`;

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

type Container = { name: string; environment?: Array<{ name: string; value: string }> };

/** The environment ECS gives a container: of a running service's task, or of the task RunTask started for `step` (its container of that name when the task chains steps). */
function environmentOf(harness: Harness, container: string, step?: string): Record<string, string> {
  const { ecs } = harness.aws.state;
  let arn: string | undefined;
  if (step === undefined) {
    arn = [...ecs.services.values()].find((s) => (ecs.taskDefinitions.get(s.taskDefinition ?? "")?.containerDefinitions as Container[] | undefined)?.some((c) => c.name === container))?.taskDefinition;
  } else {
    // A task that chains steps (`berth/migrate+seed`) runs each in a container named after it.
    const run = harness.aws.calls.find((c) => c.command === "RunTask" && String((c.input as { startedBy?: string }).startedBy).replace(/^berth\//, "").split("+").includes(step));
    arn = (run?.input as { taskDefinition?: string } | undefined)?.taskDefinition;
  }
  const definition = arn === undefined ? undefined : [...ecs.taskDefinitions.values()].find((td) => td.taskDefinitionArn === arn || td.family === arn);
  const containers = (definition?.containerDefinitions as Container[] | undefined) ?? [];
  const found = containers.find((c) => c.name === container) ?? (step === undefined ? undefined : containers.find((c) => c.name === step));
  return Object.fromEntries((found?.environment ?? []).map((e) => [e.name, e.value]));
}

describe("a deployed preview knows its own address", () => {
  it.each([
    { repo: "nextauth-url", env: { NEXTAUTH_URL: URL, GITHUB_CALLBACK_URL: `${URL}/api/auth/callback/github` }, steps: ["migrate", "seed"] },
    { repo: "django-allowed-hosts", env: { DJANGO_ALLOWED_HOSTS: HOST, CSRF_TRUSTED_ORIGINS: URL, SENTRY_ENVIRONMENT: "pr-7-feature-checkout" }, steps: ["migrate"] },
    { repo: "discourse-hostname", env: { DISCOURSE_HOSTNAME: HOST }, steps: ["migrate"] },
  ])("$repo: the service and its release steps run with the preview's URL", async ({ repo, env, steps }) => {
    h = createHarness({ files: readFixtureRepo(repo) });
    h.aws.putImage(IMAGE(SHA1));

    await h.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
    await h.settle();

    expect(h.github.checkRun(SHA1)).toMatchObject({ status: "completed", conclusion: "success" });
    expect(h.github.stickyComments()[0]?.body).toContain(URL);
    expect(environmentOf(h, "web")).toMatchObject(env);
    for (const step of steps) expect(environmentOf(h, "release", step)).toMatchObject(env);
  });
});
