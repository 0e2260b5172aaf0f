import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import path from "node:path";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import { createAwsDoctorPort } from "./aws/aws-doctor-port.js";
import { CloudFormationStacks } from "./aws/cloudformation-stacks.js";
import { ElbV2 } from "./aws/elbv2.js";
import { parseRepoConfig } from "./config/parse-repo-config.js";
import type { DoctorPort } from "./doctor/doctor-port.js";
import { renderDoctorJson, renderDoctorReport } from "./doctor/render-doctor-report.js";
import { runDoctor } from "./doctor/run-doctor.js";
import { parseYamlSource } from "./util/yaml-source.js";
import { InputError, formatDiagnostic } from "./errors.js";
import { CONFIG_FILE, formatWarning, planPreview } from "./plan/plan-preview.js";
import { createDirReader } from "./util/repo-reader.js";
import { hostname, previewHostLabel, UNKEYED_HOST_SECRET } from "./stack/naming.js";
import { BASE_EXPORTS, renderBaseParameters } from "./stack/base-stack.js";
import { PRIORITY_PARAMETER } from "./stack/load-balancer.js";

/** Where the CLI writes; injectable for tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** What the CLI reads from outside its arguments; injectable for tests. */
export interface CliDeps {
  /** Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** The AWS reads of `berth doctor` in a region; default: SDK clients with the default credential chain. */
  doctorPort?: (region: string) => DoctorPort;
}

const USAGE = `usage: berth plan [DIR] --repo OWNER/NAME --pr N --sha SHA [--branch NAME] [--base-stack NAME] [--domain DOMAIN] [--base-output NAME=VALUE ...]
       berth doctor [--base-stack NAME] [--region REGION] [--role-arn ARN] [--config FILE ...] [--image REF ...] [--json]

plan reads DIR (default .) as a repository checkout and prints the preview's plan as JSON:
{ "stackName", "url", "hostKey", "template", "parameters", "release", "warnings" }.
The host name's last 16 characters are a secret berth derives with its host key: with BERTH_HOST_KEY
set, "url" is the deployed one; without it they are zeros, a stand-in ("hostKey" says which).
--base-output gives one of the base stack's outputs (ListenerArn, SecretsPrefix, DockerHubMirror, ...),
so the plan is checked and rendered as a deploy would; "parameters" shows a placeholder for each one not given.
doctor checks, read-only, that the AWS account is ready for previews; exit 1 when a check fails.`;

/** Exit codes: 0 done, 1 bad input in the repository (plan) or a failed check (doctor), 2 bad usage. */
export async function runCli(argv: string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (command === "doctor") return doctorCommand(rest, io, deps);
  if (command !== "plan") {
    io.stderr(`berth: ${command === undefined ? "missing command" : `unknown command "${command}"`}\n${USAGE}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        repo: { type: "string" },
        pr: { type: "string" },
        sha: { type: "string" },
        branch: { type: "string" },
        "base-stack": { type: "string", default: "berth-base" },
        domain: { type: "string" },
        "base-output": { type: "string", multiple: true },
      },
    });
  } catch (error) {
    io.stderr(`berth plan: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const problems: string[] = [];
  const repoMatch = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(values.repo ?? "");
  if (!values.repo) problems.push("--repo OWNER/NAME is required");
  else if (!repoMatch) problems.push(`--repo must be OWNER/NAME, got "${values.repo}"`);
  const pr = Number(values.pr);
  if (values.pr === undefined) problems.push("--pr N is required");
  else if (!/^\d+$/.test(values.pr) || !Number.isSafeInteger(pr) || pr < 1) problems.push(`--pr must be a positive whole number, got "${values.pr}"`);
  if (values.sha === undefined) problems.push("--sha SHA is required");
  else if (!/^[0-9a-f]{7,64}$/i.test(values.sha)) problems.push(`--sha must be a hexadecimal commit id, got "${values.sha}"`);
  if (positionals.length > 1) problems.push(`expected at most one DIR, got ${positionals.length}`);
  const baseStack = values["base-stack"] ?? "berth-base";
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(baseStack)) problems.push(`--base-stack must be a CloudFormation stack name, got "${baseStack}"`);
  if (values.domain !== undefined && !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(values.domain)) {
    problems.push(`--domain must be a DNS name such as preview.example.com, got "${values.domain}"`);
  }
  const baseOutputs: Record<string, string> = {};
  for (const pair of values["base-output"] ?? []) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(pair);
    if (!match || !(BASE_EXPORTS as readonly string[]).includes(match[1]!)) {
      problems.push(`--base-output must be NAME=VALUE with NAME one of ${BASE_EXPORTS.join(", ")}, got "${pair}"`);
    } else baseOutputs[match[1]!] = match[2]!;
  }
  if (values.domain !== undefined) baseOutputs.Domain ??= values.domain.toLowerCase();
  const hostKey = (deps.env ?? process.env).BERTH_HOST_KEY || undefined;
  if (hostKey !== undefined && hostKey.length < 32) problems.push("BERTH_HOST_KEY must be at least 32 characters, as berth requires");
  if (problems.length > 0 || !repoMatch) {
    io.stderr(`${problems.map((p) => `berth plan: ${p}`).join("\n")}\n${USAGE}\n`);
    return 2;
  }

  const dir = path.resolve(positionals[0] ?? ".");
  try {
    const plan = await planPreview({
      reader: createDirReader(dir),
      target: {
        owner: repoMatch[1]!,
        repo: repoMatch[2]!,
        pr,
        sha: values.sha!.toLowerCase(),
        ...(values.branch ? { branch: values.branch } : {}),
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
    const output = {
      stackName: stack.stackName,
      url: baseOutputs.Domain ? `https://${hostname(stack.host, baseOutputs.Domain)}` : null,
      hostKey: hostKey === undefined ? `unset: the host name ends in ${UNKEYED_HOST_SECRET}, a stand-in for the secret a deploy derives with BERTH_HOST_KEY` : "BERTH_HOST_KEY: the host name is the deployed one",
      template: stack.template,
      // What a deploy passes: the base stack's outputs, and a priority berth allocates then.
      parameters: { ...renderBaseParameters({ name: baseStack, outputs: baseOutputs }), [PRIORITY_PARAMETER]: "<allocated at deploy>" },
      release: stack.release,
      warnings: stack.warnings.map(formatWarning),
    };
    io.stdout(`${JSON.stringify(output, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof InputError) {
      io.stderr(`${error.diagnostics.map(formatDiagnostic).join("\n")}\n`);
      return 1;
    }
    throw error;
  }
}

/** `berth doctor`: read-only checks of the AWS account; 0 all passed, 1 a check failed, 2 bad usage. */
async function doctorCommand(args: string[], io: CliIo, deps: CliDeps): Promise<number> {
  const env = deps.env ?? process.env;
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        "base-stack": { type: "string" },
        region: { type: "string" },
        "role-arn": { type: "string" },
        config: { type: "string", multiple: true },
        image: { type: "string", multiple: true },
        json: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    io.stderr(`berth doctor: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const problems: string[] = [];
  const baseStack = values["base-stack"] ?? env.BERTH_BASE_STACK ?? "berth-base";
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(baseStack)) problems.push(`--base-stack must be a CloudFormation stack name, got "${baseStack}"`);
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) problems.push("no region: pass --region or set AWS_REGION");
  else if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) problems.push(`--region must be an AWS region such as us-east-1, got "${region}"`);
  const roleArn = values["role-arn"];
  if (roleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(roleArn)) problems.push(`--role-arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "${roleArn}"`);
  const images = [...(values.image ?? [])];
  const secrets: string[] = [];
  for (const file of values.config ?? []) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      problems.push(`--config ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
      continue;
    }
    try {
      const config = parseRepoConfig(parseYamlSource(file, text));
      if (config.image) images.push(config.image);
      secrets.push(...Object.values(config.secrets ?? {}), ...Object.values(config.compose_secrets ?? {}));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.diagnostics.map(formatDiagnostic));
    }
  }
  if (problems.length > 0 || !region) {
    io.stderr(`${problems.map((p) => `berth doctor: ${p}`).join("\n")}\n${USAGE}\n`);
    return 2;
  }

  const port = (deps.doctorPort ?? createDoctorPort)(region);
  const report = await runDoctor({ port, baseStack, region, images, secrets, ...(roleArn ? { roleArn } : {}) });
  io.stdout(values.json ? renderDoctorJson(report) : renderDoctorReport(report));
  return report.ok ? 0 : 1;
}

/** The composition root of `berth doctor`: SDK clients with the default credential chain. */
function createDoctorPort(region: string): DoctorPort {
  const config = { region, retryMode: "adaptive" };
  const ecr = new Map<string, ECRClient>();
  return createAwsDoctorPort({
    stacks: new CloudFormationStacks({ client: new CloudFormationClient(config), ownership: { prefix: "berth-", tagKey: "berth:managed" } }),
    loadBalancers: new ElbV2({ client: new ElasticLoadBalancingV2Client(config) }),
    ec2: new EC2Client(config),
    iam: new IAMClient(config),
    sts: new STSClient(config),
    ecr: (r) => ecr.get(r) ?? ecr.set(r, new ECRClient({ ...config, region: r })).get(r)!,
  });
}
