import type { Harness } from "./app-harness.js";

interface RunTaskInput {
  startedBy?: string;
  overrides?: { containerOverrides?: Array<{ name?: string; command?: string[] }> };
}

/**
 * The release steps the one-off tasks ran so far, one entry per step, as `berth/<step>`: a task
 * that chains steps (`startedBy` `berth/migrate+seed`, one container per step) counts as each of
 * them, in order. With `commands`, each entry ends with the command the step's container was
 * given: `berth/migrate: bin/rails db:migrate`.
 */
export function releaseStepRuns(harness: Harness, options: { commands?: boolean } = {}): string[] {
  return harness.aws.calls
    .filter((c) => c.command === "RunTask")
    .flatMap((c) => {
      const input = c.input as RunTaskInput;
      const overrides = input.overrides?.containerOverrides ?? [];
      const steps = String(input.startedBy).replace(/^berth\//, "").split("+");
      return steps.map((step) => {
        if (!options.commands) return `berth/${step}`;
        const command = (overrides.find((o) => o.name === step) ?? overrides[0])?.command;
        return `berth/${step}: ${command?.join(" ")}`;
      });
    });
}

/**
 * When the newest release task stopped and when `service`'s newest ECS deployment began (ms): a
 * rollout held behind the release gate starts the new version only after the task exited 0.
 */
export function releaseThenDeployment(harness: Harness, service = "WebService"): { released: number; deployed: number } {
  const task = [...harness.aws.state.ecs.tasks.values()].filter((t) => String(t.startedBy).startsWith("berth/")).at(-1);
  const ecsService = [...harness.aws.state.ecs.services.values()].find((s) => s.serviceName.includes(service));
  return { released: task?.stoppedAt?.getTime() ?? Number.NaN, deployed: ecsService?.deployments.at(-1)?.createdAt?.getTime() ?? Number.NaN };
}
