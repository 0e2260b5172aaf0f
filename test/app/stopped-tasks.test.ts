import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { SHA1, SHA2, STACK, IMAGE } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";
import type { ServiceTaskFailure } from "../fakes/aws/ecs.js";

let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

const CIRCUIT_BREAKER = `Resource handler returned message: "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'." (HandlerErrorCode: GeneralServiceException)`;

async function push(harness: Harness, sha: string, action: "opened" | "synchronize") {
  harness.github.setPull({ number: 7, headSha: sha, branch: "feature/x" });
  await harness.receive("pull_request", pullRequestPayload(action, { number: 7, sha }));
  await harness.settle();
}

/**
 * A preview serving SHA1, then a push of SHA2 whose rollout CloudFormation fails on `resource`
 * (the circuit breaker stopped it) while the service's new task stops as `how` says.
 */
async function failRollout(files: Record<string, string>, resource: string, how: ServiceTaskFailure, also?: () => void): Promise<string> {
  h = createHarness({ files });
  h.aws.putImage(IMAGE(SHA1));
  h.aws.putImage(IMAGE(SHA2));
  await push(h, SHA1, "opened");
  expect(h.github.checkRun(SHA1)?.output.summary).toContain("Deploy of");
  expect(h.github.checkRun(SHA1)?.conclusion, h.github.checkRun(SHA1)?.output.summary).toBe("success");
  h.aws.failStack({
    stack: STACK,
    resource,
    reason: CIRCUIT_BREAKER,
    skip: 0, // a code-only push's first stack update is the rollout
    alongside: () => {
      h.aws.state.ecs.failServiceTasks(resource, how);
      also?.();
    },
  });
  await push(h, SHA2, "synchronize");
  const run = h.github.checkRun(SHA2);
  expect(run?.conclusion).toBe("failure");
  expect(run?.output.summary).toMatch(/\| Rollout \| ❌ failure \|/);
  expect(run?.output.summary).toContain("ECS Deployment Circuit Breaker was triggered");
  return rendered(run?.output.summary);
}

/** The summary as GitHub shows it: Markdown's backslash escapes gone. */
function rendered(markdown: string | undefined): string {
  return (markdown ?? "").replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, "$1");
}

describe("a rollout whose new tasks stopped", () => {
  it("says why the web's task stopped, with its exit code and the tail of its log, on the check run and the comment", async () => {
    const summary = await failRollout(readFixtureRepo("rails-postgres"), "WebService", {
      exitCode: 1,
      logLines: [
        "=> Booting Puma",
        "DATABASE_URL=postgres://postgres:hunter2@db:5432/shop",
        "config/initializers/redis.rb:2:in `fetch': key not found: \"REDIS_URL\" (KeyError)",
      ],
    });

    expect(summary).toContain("The latest task of service web stopped: Essential container in task exited (EssentialContainerExited).");
    expect(summary).toContain("container web exited with code 1");
    expect(summary).toContain("Last 3 log lines of container `web`:");
    expect(summary).toContain("key not found: \"REDIS_URL\" (KeyError)");
    // The tail is redacted as a release step's is.
    expect(summary).toContain("DATABASE_URL=postgres://postgres:");
    expect(summary).not.toContain("hunter2");
    expect(summary).not.toContain("Hint:");
    expect(h.github.stickyComments()[0]?.body).toContain("The latest task of service web stopped");
    // The rollout is rolled back: the commit that served before still serves.
    expect(h.aws.state.cloudformation.stacks.get(STACK)?.tags["berth:sha"]).toBe(SHA1);
  });

  it("tells a worker that exited 0 how to make it a one-shot service", async () => {
    const files = readFixtureRepo("rails-postgres");
    files["docker-compose.yml"] = files["docker-compose.yml"]!.replace(
      "\n  db:\n",
      "\n  worker:\n    build: .\n    command: bin/rails runner 'Report.generate'\n    depends_on:\n      - db\n  db:\n",
    );
    const summary = await failRollout(files, "WorkerService", { exitCode: 0, logLines: ["report written"] });

    expect(summary).toContain("The latest task of service worker stopped: Essential container in task exited (EssentialContainerExited).");
    expect(summary).toContain("container worker exited with code 0");
    expect(summary).toContain(
      'Hint: worker exited 0: it ran once and stopped, but ECS runs every compose service as a long-running service and counts a stop as a failure. If it should run once per deploy, make it a one-shot service: `restart: "no"` with no `ports`, `expose` or `healthcheck`, or a service that depends on it with `condition: service_completed_successfully`.',
    );
    expect(summary).toContain("Last 1 log line of container `worker`:");
  });

  it("names the memory keys when the container ran out of memory (berth's own rollout check)", async () => {
    h = createHarness({ files: readFixtureRepo("rails-postgres") });
    h.aws.putImage(IMAGE(SHA1));
    h.aws.scriptRollout({
      service: "Web",
      fail: "tasks failed to start",
      tasks: { exitCode: 137, reason: "OutOfMemoryError: Container killed due to memory usage", logLines: ["Loading production environment"] },
    });

    await push(h, SHA1, "opened");

    const summary = rendered(h.github.checkRun(SHA1)?.output.summary);
    expect(h.github.checkRun(SHA1)?.conclusion).toBe("failure");
    expect(summary).toMatch(/\| Rollout \| ❌ failure \|/);
    expect(summary).toContain("container web exited with code 137: OutOfMemoryError: Container killed due to memory usage");
    expect(summary).toContain(
      "Hint: web ran out of memory: raise its memory in .github/preview.yml, `resources.services.web` (cpu and memory) for this service or `resources.memory` for every service.",
    );
    expect(summary).toContain("Loading production environment");
  });

  it("points at the health check path and grace period when the load balancer found the task unhealthy", async () => {
    const summary = await failRollout(readFixtureRepo("rails-postgres"), "WebService", {
      stopCode: "ServiceSchedulerInitiated",
      stoppedReason: "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/berth-pr7/0123456789abcdef)",
      exitCode: 143,
      logLines: ["Listening on http://0.0.0.0:3000"],
    });

    expect(summary).toContain("The latest task of service web stopped: Task failed ELB health checks in");
    expect(summary).toContain("(ServiceSchedulerInitiated).");
    expect(summary).toContain(
      "Hint: the load balancer found no healthy answer at `/up` within the 120 s grace period: set `healthcheck.path` to a path that answers 200 without signing in, and raise `healthcheck.grace_period` if the app is slow to boot (.github/preview.yml).",
    );
  });

  it("reports the failure as before, with a log warning, when the stopped tasks cannot be read", async () => {
    const summary = await failRollout(readFixtureRepo("rails-postgres"), "WebService", { exitCode: 1, logLines: ["boom"] }, () =>
      h.aws.fail("ListTasks", { error: { name: "AccessDeniedException", message: "User is not authorized to perform: ecs:ListTasks" } }),
    );

    expect(summary).not.toContain("The latest task");
    expect(summary).not.toContain("boom");
    expect(h.logs.some((line) => line.includes("could not read why the service's tasks stopped"))).toBe(true);
  });

  it("reports the failure as before once ECS no longer shows the stopped task (after about an hour)", async () => {
    const summary = await failRollout(readFixtureRepo("rails-postgres"), "WebService", { exitCode: 1, logLines: ["boom"] }, () =>
      h.aws.advanceClock(61 * 60 * 1000),
    );

    expect(summary).not.toContain("The latest task");
    expect(summary).not.toContain("boom");
  });
});
