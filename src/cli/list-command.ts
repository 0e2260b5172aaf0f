import type { StackSummary } from "../preview/ports.js";
import { table } from "../plan/plan-summary.js";
import { parseCommandLine, UsageError, type CliIo } from "./options.js";
import { AWS_REGION_PATTERN } from "../util/aws-region.js";

export const LIST_USAGE = `usage: berth list [--region REGION] [--json]

Lists the live previews of the AWS account in REGION (default AWS_REGION), from the tags berth
puts on their stacks: repository, pull request, state, the commit serving and the one deploying,
URL and age. Reads only (CloudFormation ListStacks and DescribeStacks on berth-* stacks).

  --region REGION   the region of the base stack (default AWS_REGION, else AWS_DEFAULT_REGION)
  --json            one JSON array, a preview an element

Exit 0 listed, 1 AWS refused or failed, 2 bad usage.`;

/** One preview as `berth list` shows it. */
export interface ListedPreview {
  repository: string;
  pr: number;
  state: "ready" | "deploying" | "failed" | "removing";
  /** The commit that serves (confirmed); absent until a first deploy succeeded. */
  serving?: string;
  /** The commit the last deploy rolled out, when it differs from `serving`. */
  deploying?: string;
  url?: string;
  stack: string;
  status: string;
  createdAt?: string;
}

/** What a stack's status and tags say of its preview. */
export function describePreview(stack: StackSummary): ListedPreview {
  const serving = stack.tags["berth:sha"];
  const deploying = stack.tags["berth:deploying"];
  const state: ListedPreview["state"] = stack.status.startsWith("DELETE_")
    ? "removing"
    : stack.status.endsWith("_IN_PROGRESS") && !stack.status.includes("ROLLBACK")
      ? "deploying"
      : stack.status.includes("ROLLBACK") || stack.status.endsWith("_FAILED") || (deploying !== undefined && deploying !== serving)
        ? "failed"
        : "ready";
  return {
    repository: stack.tags["berth:repository"] ?? "?",
    pr: Number(stack.tags["berth:pr"]),
    state,
    ...(serving === undefined || serving === "none" ? {} : { serving }),
    ...(deploying === undefined || deploying === serving ? {} : { deploying }),
    ...(stack.outputs.Url === undefined ? {} : { url: stack.outputs.Url }),
    stack: stack.name,
    status: stack.status,
    ...(stack.createdAt === undefined ? {} : { createdAt: stack.createdAt.toISOString() }),
  };
}

/** `3m`, `5h`, `2d`: how long ago, as a column reads it. */
export function formatAge(since: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`;
}

/** `berth list`: 0 listed, 1 AWS failed, 2 bad usage. */
export async function listCommand(
  args: string[],
  io: CliIo,
  input: { env: Record<string, string | undefined>; stacks: (region: string) => { list(): Promise<StackSummary[]> }; now: () => Date },
): Promise<number> {
  let values;
  try {
    ({ values } = parseCommandLine(args, { region: { type: "string" }, json: { type: "boolean" } }, false));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return usage(io, error.message);
  }
  if (values.help) {
    io.stdout(`${LIST_USAGE}\n`);
    return 0;
  }
  const region = values.region ?? input.env.AWS_REGION ?? input.env.AWS_DEFAULT_REGION;
  if (!region) return usage(io, "no region: pass --region or set AWS_REGION");
  if (!AWS_REGION_PATTERN.test(region)) return usage(io, `--region must be an AWS region such as us-east-1, got "${region}"`);
  let stacks: StackSummary[];
  try {
    stacks = await input.stacks(region).list();
  } catch (error) {
    io.stderr(`berth list: ${(error as Error).message}\n`);
    return 1;
  }
  const previews = stacks
    .filter((s) => s.tags["berth:pr"] !== undefined)
    .map(describePreview)
    .sort((a, b) => a.repository.localeCompare(b.repository) || a.pr - b.pr);
  if (values.json) {
    io.stdout(`${JSON.stringify(previews, null, 2)}\n`);
    return 0;
  }
  if (previews.length === 0) {
    io.stdout(`no previews in ${region}\n`);
    return 0;
  }
  const now = input.now();
  const rows = [
    ["REPOSITORY", "PR", "STATE", "SERVING", "DEPLOYING", "AGE", "URL"],
    ...previews.map((p) => [
      p.repository,
      `#${p.pr}`,
      p.state,
      p.serving?.slice(0, 7) ?? "-",
      p.deploying?.slice(0, 7) ?? "-",
      p.createdAt === undefined ? "-" : formatAge(new Date(p.createdAt), now),
      p.url ?? "-",
    ]),
  ];
  io.stdout(`${table(rows).join("\n")}\n`);
  return 0;
}

function usage(io: CliIo, problem: string): number {
  io.stderr(`berth list: ${problem}\n${LIST_USAGE}\n`);
  return 2;
}
