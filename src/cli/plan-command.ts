import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { InputError, formatDiagnostic } from "../errors.js";
import { CONFIG_FILE, planPreview } from "../plan/plan-preview.js";
import { renderPlanSummary, summarizePlan } from "../plan/plan-summary.js";
import { BASE_EXPORTS, baseLocation, renderBaseParameters } from "../stack/base-stack.js";
import { ASLEEP_TARGET_PARAMETER, PRIORITY_PARAMETER } from "../stack/load-balancer.js";
import { hostname, previewHostLabel, UNKEYED_HOST_SECRET } from "../stack/naming.js";
import { createDirReader } from "../util/repo-reader.js";
import { readCheckout } from "./git-checkout.js";
import { parseCommandLine, UsageError, type CliIo } from "./options.js";
import { AWS_REGION_PATTERN } from "../util/aws-region.js";

export const PLAN_USAGE = `usage: berth plan [DIR] [--repo OWNER/NAME] --pr N [--sha SHA] [--branch NAME] [--domain DOMAIN]
                  [--region REGION] [--base-stack NAME] [--base-output NAME=VALUE ...] [--json] [--output DIR]

Reads DIR (default .) as a repository checkout and shows the preview a deploy of pull request N
would create: its services with image, size and port, the public URL, the release steps in order,
the volumes, the warnings with their codes and the price an hour. Nothing is deployed.

  --repo OWNER/NAME      the GitHub repository (default: from DIR's git remote "origin")
  --pr N                 the pull request number
  --sha SHA              the commit (default: DIR's HEAD)
  --branch NAME          the head branch (default: DIR's current branch)
  --domain DOMAIN        the base stack's domain, to show the URL
  --region REGION        the region, to price the preview (default: from ListenerArn, else AWS_REGION)
  --base-stack NAME      the base stack's name (default berth-base)
  --base-output N=V      one of the base stack's outputs, so the plan is checked as a deploy checks
                         it; repeatable. N is one of:
${wrap(BASE_EXPORTS.join(", "), 72, "                         ")}
  --json                 print the whole plan, template included, as one JSON object

The host name's last 16 characters are a secret berth derives with its host key: with BERTH_HOST_KEY
set, the URL is the deployed one; without it they are zeros, a stand-in.
  --output DIR           write the template to DIR/template.json

Exit 0 planned, 1 a problem in the repository's files (FILE:LINE: message on stderr), 2 bad usage.`;

const OPTIONS = {
  repo: { type: "string" },
  pr: { type: "string" },
  sha: { type: "string" },
  branch: { type: "string" },
  domain: { type: "string" },
  region: { type: "string" },
  "base-stack": { type: "string" },
  "base-output": { type: "string", multiple: true },
  json: { type: "boolean" },
  output: { type: "string" },
} as const;

/** `berth plan`: 0 planned, 1 bad input in the repository, 2 bad usage. */
export async function planCommand(args: string[], io: CliIo, env: Record<string, string | undefined>): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(args, OPTIONS, true);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return usage(io, [error.message]);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(`${PLAN_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 1) return usage(io, [`expected at most one DIR, got ${positionals.length}`]);
  const dir = path.resolve(positionals[0] ?? ".");
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDir) return usage(io, [`${positionals[0] ?? "."}: no such directory`]);

  const checkout = values.repo && values.sha && values.branch ? {} : await readCheckout(dir);
  const repo = values.repo ?? checkout.repo;
  const sha = values.sha ?? checkout.sha;
  const branch = values.branch ?? checkout.branch;
  const problems: string[] = [];
  const repoMatch = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(repo ?? "");
  if (!repo) problems.push(`--repo OWNER/NAME is required (${dir} has no GitHub remote "origin" to take it from)`);
  else if (!repoMatch) problems.push(`--repo must be OWNER/NAME, got "${repo}"`);
  const pr = Number(values.pr);
  if (values.pr === undefined) problems.push("--pr N is required");
  else if (!/^\d+$/.test(values.pr) || !Number.isSafeInteger(pr) || pr < 1) problems.push(`--pr must be a positive whole number, got "${values.pr}"`);
  if (sha === undefined) problems.push(`--sha SHA is required (${dir} is not a git checkout with a commit to take it from)`);
  else if (!/^[0-9a-f]{7,64}$/i.test(sha)) problems.push(`--sha must be a hexadecimal commit id, got "${sha}"`);
  const baseStack = values["base-stack"] ?? "berth-base";
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(baseStack)) problems.push(`--base-stack must be a CloudFormation stack name, got "${baseStack}"`);
  if (values.domain !== undefined && !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(values.domain)) {
    problems.push(`--domain must be a DNS name such as preview.example.com, got "${values.domain}"`);
  }
  if (values.region !== undefined && !AWS_REGION_PATTERN.test(values.region)) problems.push(`--region must be an AWS region such as us-east-1, got "${values.region}"`);
  const baseOutputs: Record<string, string> = {};
  for (const pair of values["base-output"] ?? []) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(pair);
    if (!match || !(BASE_EXPORTS as readonly string[]).includes(match[1]!)) {
      problems.push(`--base-output must be NAME=VALUE with NAME one of ${BASE_EXPORTS.join(", ")}, got "${pair}"`);
    } else baseOutputs[match[1]!] = match[2]!;
  }
  if (values.domain !== undefined) baseOutputs.Domain ??= values.domain.toLowerCase();
  const hostKey = env.BERTH_HOST_KEY || undefined;
  if (hostKey !== undefined && hostKey.length < 32) problems.push("BERTH_HOST_KEY must be at least 32 characters, as berth requires");
  if (problems.length > 0 || !repoMatch || sha === undefined) return usage(io, problems);

  try {
    const plan = await planPreview({
      reader: createDirReader(dir),
      target: {
        owner: repoMatch[1]!,
        repo: repoMatch[2]!,
        pr,
        sha: sha.toLowerCase(),
        ...(branch ? { branch } : {}),
        ...(hostKey === undefined ? {} : { host: previewHostLabel({ owner: repoMatch[1]!, repo: repoMatch[2]!, pr }, hostKey) }),
      },
      baseStack,
      baseOutputs,
    });
    if (!plan) {
      io.stderr(`${formatDiagnostic({ file: CONFIG_FILE, path: "", message: "not found: previews are off for this repository (add .github/preview.yml)" })}\n`);
      return 1;
    }
    const { stack } = plan;
    const url = baseOutputs.Domain ? `https://${hostname(stack.host, baseOutputs.Domain)}` : undefined;
    const hostNote =
      hostKey === undefined
        ? `unset: the host name ends in ${UNKEYED_HOST_SECRET}, a stand-in for the secret a deploy derives with BERTH_HOST_KEY`
        : "BERTH_HOST_KEY: the host name is the deployed one";
    const region = values.region ?? baseLocation(baseOutputs)?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    const summary = summarizePlan(plan, { url, region });
    if (values.output !== undefined) {
      const out = path.resolve(values.output);
      await mkdir(out, { recursive: true });
      await writeFile(path.join(out, "template.json"), `${JSON.stringify(stack.template, null, 2)}\n`);
      io.stderr(`wrote ${path.join(values.output, "template.json")}\n`);
    }
    if (values.json) {
      io.stdout(
        `${JSON.stringify(
          {
            stackName: summary.stackName,
            url: summary.url ?? null,
            hostKey: hostNote,
            services: summary.services,
            release: summary.release,
            price: summary.price ?? null,
            warnings: summary.warnings,
            // What a deploy passes: the base stack's outputs, a priority berth allocates then, and
            // no asleep target (a deployed preview is awake; a sleep sets berth's target group).
            parameters: { ...renderBaseParameters({ name: baseStack, outputs: baseOutputs }), [PRIORITY_PARAMETER]: "<allocated at deploy>", [ASLEEP_TARGET_PARAMETER]: "" },
            template: stack.template,
          },
          null,
          2,
        )}\n`,
      );
      // On stderr as well, so a pipe into jq stays clean and a person still sees them.
      for (const warning of summary.warnings) io.stderr(`warning: ${warning}\n`);
      return 0;
    }
    io.stdout(
      renderPlanSummary(summary, {
        ...(region === undefined ? {} : { price: `unknown: berth ships no Fargate prices for ${region}` }),
        ...(hostKey === undefined && url !== undefined ? { urlNote: `(${UNKEYED_HOST_SECRET} stands in for the secret BERTH_HOST_KEY gives)` } : {}),
      }),
    );
    return 0;
  } catch (error) {
    if (error instanceof InputError) {
      io.stderr(`${error.diagnostics.map(formatDiagnostic).join("\n")}\n`);
      return 1;
    }
    throw error;
  }
}

/** Breaks `text` at spaces into lines of at most `width` characters, each with `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.map((l) => `${indent}${l}`).join("\n");
}

function usage(io: CliIo, problems: string[]): number {
  io.stderr(`${problems.map((p) => `berth plan: ${p}`).join("\n")}\n${PLAN_USAGE}\n`);
  return 2;
}
