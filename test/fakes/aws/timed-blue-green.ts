/**
 * The timed layer's part for ECS blue/green service deployments: a deployment's green tasks
 * launch and turn healthy (one service launch and health of the latency model) from its start,
 * when the PAUSE hook of POST_SCALE_UP awaits action; after CONTINUE the production traffic shift
 * takes no time and the clean-up takes the blue target group's deregistration delay. Stages move
 * only here (a look at ECS moves none), at the times the model gives.
 */
import type { ServiceDeployment } from "@aws-sdk/client-ecs";
import type { FakeServiceDeployment, FakeServiceDeployments } from "./ecs-service-deployments.js";
import { deregistrationDelaySeconds, type FakeElbV2 } from "./elbv2.js";
import type { LatencyModel } from "./latency-model.js";
import type { Completion, Launch } from "./timed-aws.js";

interface Timed {
  d: FakeServiceDeployment;
  /** When the green tasks are healthy and the hook's stage is reached. */
  scaleUpAt: number;
  /** When the clean-up ends, once known (the hook continued). */
  cleanUpAt?: number;
  /** When the deployment ended. */
  doneAt?: number;
  hook: Completion;
}

export interface TimedBlueGreen {
  /** Times the service deployments that started since the last call. */
  date(): void;
  /** Moves every service deployment to where it is at this moment. */
  settle(): void;
  /** After a ContinueServiceDeployment call: the clean-up's end, or the rollback's. */
  continued(arn: string): void;
  /** After a DescribeServiceDeployments answer: the app saw these. */
  seen(deployments: ServiceDeployment[]): void;
  /** When the last of the deployments started at or after `since` ended; undefined while one runs. */
  doneSince(since: number): number | undefined;
}

export function timeBlueGreen(input: {
  deployments: FakeServiceDeployments;
  elb: FakeElbV2;
  model: LatencyModel;
  now: () => number;
  complete: (what: string, at: number, awaited: boolean) => Completion;
  notice: (completion: Completion | undefined) => void;
  launches: Launch[];
  /** Green tasks turn healthy in their target group at this time. */
  healthy: (targetGroupArn: string, at: number, service: string) => void;
}): TimedBlueGreen {
  const { deployments, elb, model, now } = input;
  const ms = (seconds: number) => Math.round(seconds * 1000);
  const timed = new Map<string, Timed>();
  deployments.clock = () => new Date(now());

  const ended = (t: Timed) => {
    if (t.doneAt === undefined && deployments.isDone(t.d)) t.doneAt = Math.min(now(), t.cleanUpAt ?? now());
  };

  return {
    date() {
      for (const d of deployments.all.values()) {
        if (timed.has(d.arn) || deployments.isDone(d)) continue;
        const name = d.service.serviceName;
        const scaleUpAt = now() + ms(model.serviceLaunch + model.serviceHealthy);
        d.pollsLeft = Number.POSITIVE_INFINITY;
        timed.set(d.arn, { d, scaleUpAt, hook: input.complete(`hook of ${name} awaiting action`, scaleUpAt, true) });
        input.launches.push({ what: `green tasks of service ${name}`, start: now(), end: now() + ms(model.serviceLaunch) });
        input.healthy(d.greenTargetGroup, scaleUpAt, name);
      }
    },
    settle() {
      for (const t of timed.values()) {
        const d = t.d;
        if (deployments.isDone(d)) {
          ended(t);
          continue;
        }
        d.pollsLeft = Number.POSITIVE_INFINITY;
        if (d.stage === "SCALE_UP" && now() >= t.scaleUpAt) {
          deployments.next(d);
          // The stage was reached at scaleUpAt, whenever someone looks.
          const late = now() - t.scaleUpAt;
          d.updatedAt = new Date(t.scaleUpAt);
          if (d.hook?.expiresAt) d.hook.expiresAt = new Date(d.hook.expiresAt.getTime() - late);
          d.pollsLeft = Number.POSITIVE_INFINITY;
        }
        // A look moves no stage here (pollsLeft is infinite), but times the hook out past its expiry.
        deployments.look(d);
        if (!deployments.isDone(d) && d.stage !== "SCALE_UP" && d.stage !== "POST_SCALE_UP") {
          t.cleanUpAt ??= now() + ms(deregistrationDelaySeconds(elb.targetGroups.get(d.blueTargetGroup)));
          if (now() >= t.cleanUpAt) while (!deployments.isDone(d)) deployments.next(d);
        }
        ended(t);
      }
    },
    continued(arn) {
      const t = timed.get(arn);
      if (!t) return;
      if (!deployments.isDone(t.d) && t.cleanUpAt === undefined) t.cleanUpAt = now() + ms(deregistrationDelaySeconds(elb.targetGroups.get(t.d.blueTargetGroup)));
      ended(t);
    },
    seen(answer) {
      for (const d of answer) {
        const t = timed.get(d.serviceDeploymentArn ?? "");
        if (!t) continue;
        if (d.lifecycleHookDetails?.some((h) => h.status === "AWAITING_ACTION")) input.notice(t.hook);
      }
    },
    doneSince(since) {
      let last = since;
      for (const t of timed.values()) {
        if (t.d.createdAt.getTime() < since) continue;
        if (t.doneAt === undefined) return undefined;
        last = Math.max(last, t.doneAt);
      }
      return last;
    },
  };
}
