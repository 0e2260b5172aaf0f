import type { LoadBalancerPort, StackSummary, TaskPort } from "../ports.js";
import type { DeployReporter } from "../report/index.js";
import { parsePreviewOutputs } from "./stack-outputs.js";

/**
 * berth's own checks of a rollout CloudFormation completed: ECS's deployment of the public service
 * (PRIMARY, not rolled back by the circuit breaker) and the target's health behind the load
 * balancer (the target group the rule forwards to), read side by side. The check run shows them in order: Rollout done, then Health. A
 * failed rollout check is the one reported, and stops the health wait; `signal` stops both.
 */
export async function checkRollout(
  deps: { tasks: Pick<TaskPort, "waitForRollout">; loadBalancers: Pick<LoadBalancerPort, "waitHealthy" | "forwardedTo"> },
  input: { cluster: string; stack: StackSummary; reporter: DeployReporter; signal: AbortSignal; onHealth: () => void },
): Promise<void> {
  const { publicServiceArn, targetGroupArn } = parsePreviewOutputs(input.stack.name, input.stack.outputs);
  const done = new AbortController();
  const signal = AbortSignal.any([input.signal, done.signal]);
  // A fast rollout leaves either of its two target groups serving: the one the rule forwards to.
  const { ListenerRuleArn: rule, AlternateTargetGroupArn: alternate } = input.stack.outputs;
  const serving = rule && alternate ? deps.loadBalancers.forwardedTo(rule).then((arn) => arn ?? targetGroupArn) : Promise.resolve(targetGroupArn);
  const healthy = serving.then((arn) => deps.loadBalancers.waitHealthy({ targetGroupArn: arn, signal }));
  healthy.catch(() => {});
  try {
    await deps.tasks.waitForRollout({ cluster: input.cluster, service: publicServiceArn, signal });
    await input.reporter.done("rollout");
    input.onHealth();
    await input.reporter.phase("health");
    await healthy;
    await input.reporter.done("health");
  } finally {
    done.abort();
  }
}
