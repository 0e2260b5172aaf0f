/**
 * The faults a randomized life injects, shaped as AWS and GitHub fail: transient answers to a
 * share of all requests, and AWS's own domain failures (a RunTask that places nothing, a task that
 * fails to start, a stack update that rolls back, a deletion that fails).
 */
import type { ChaosHook, Fault } from "../../fakes/aws-fake.js";
import type { FakeFault, FakeRoute } from "../../fakes/github-fake.js";
import type { Random } from "./random.js";

const MUTATING = /^(Create|Delete|Execute|Update|Run|Stop|Put|Register|Deregister|Modify|Continue)/;

/**
 * Share of requests that start a burst: AWS throttles an API action per account with a token
 * bucket, so once it is empty the next few requests of that action are throttled too, the SDK's
 * own retries included. Most bursts last 2 to 5 requests; one in four is a bucket another caller
 * in the account keeps empty, 6 to 14 requests, which can outlast berth's 10 attempts at a
 * throttled request so that the error reaches berth.
 */
const BURST_RATE = 0.005;

/** How many requests of one action in a row a burst throttles. */
function burstLength(random: Random): number {
  return random.chance(0.25) ? random.int(6, 14) : random.int(2, 5);
}

/** What AWS answers a request with when it fails transiently, as the SDK reports it. */
export function awsChaos(random: Random, rate: number, counts: Map<string, number>): ChaosHook {
  const bursts = new Map<string, number>();
  return ({ command }) => {
    const left = bursts.get(command) ?? 0;
    if (left > 0 || random.chance(BURST_RATE)) {
      // Kept per action: the burst's requests still to throttle after this one.
      bursts.set(command, left > 0 ? left - 1 : burstLength(random) - 1);
      if (left === 0) counts.set("throttling burst", (counts.get("throttling burst") ?? 0) + 1);
      return { error: { name: "ThrottlingException", message: "Rate exceeded" } };
    }
    if (!random.chance(rate)) return undefined;
    const mutating = MUTATING.test(command);
    const applied = mutating && random.chance(0.5) ? ({ applied: true } as const) : {};
    const roll = random.next();
    let fault: Fault;
    if (command === "RunTask" && roll < 0.3) {
      // ECS answers 200 with failures[] and no task when it cannot place one.
      fault = { failures: [{ reason: random.pick(["RESOURCE:ENI", "RESOURCE:FARGATE", "Capacity is unavailable at this time. Please try again later or in a different availability zone"]) }] };
    } else if (roll < 0.4) fault = { error: { name: "ThrottlingException", message: "Rate exceeded" } };
    else if (roll < 0.6) fault = { error: random.pick([{ name: "InternalFailure", message: "An internal error occurred", status: 500 }, { name: "ServiceUnavailable", message: "Service Unavailable", status: 503 }]) };
    else if (roll < 0.8) fault = { error: { name: "Error", message: "socket hang up", code: "ECONNRESET" }, ...applied };
    else fault = { error: { name: "TimeoutError", message: "Connection timed out after 10000 ms" }, ...applied };
    const kind = fault.failures ? `RunTask ${fault.failures[0]!.reason.split(" ")[0]}` : `${fault.error!.code ?? fault.error!.name}${fault.applied ? " (applied)" : ""}`;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    return fault;
  };
}

const SECONDARY_LIMIT = {
  message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
  documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
};

/** What GitHub answers a request with when it fails: 502/503, a secondary rate limit, a 502 after the write. */
export function githubChaos(random: Random, rate: number, counts: Map<string, number>): (request: { route: FakeRoute }) => FakeFault | undefined {
  return ({ route }) => {
    if (!random.chance(rate)) return undefined;
    const write = !route.startsWith("GET ");
    const roll = random.next();
    let fault: FakeFault;
    let kind: string;
    if (roll < 0.3) [fault, kind] = [{ status: 502 }, "502"];
    else if (roll < 0.5) [fault, kind] = [{ status: 503 }, "503"];
    // GitHub refuses a request over a secondary limit before doing anything.
    else if (roll < 0.75) [fault, kind] = [{ status: 403, headers: { "retry-after": "1" }, body: SECONDARY_LIMIT }, "403 secondary rate limit"];
    else if (write) [fault, kind] = [{ status: 502, applied: true }, "502 after the write"];
    else [fault, kind] = [{ status: 502 }, "502"];
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    return fault;
  };
}

/** ECS stops a task before its container starts for a reason another attempt may not meet. */
export const TASK_START_FAILURE = "Timeout waiting for network interface provisioning to complete.";
