import { readFile } from "node:fs/promises";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import { createAwsDoctorPort } from "../aws/aws-doctor-port.js";
import { AWS_ATTEMPTS, AwsRetryStrategy } from "../aws/aws-retry-strategy.js";
import { CloudFormationStacks } from "../aws/cloudformation-stacks.js";
import { ElbV2 } from "../aws/elbv2.js";
import { parseRepoConfig } from "../config/parse-repo-config.js";
import type { DoctorPort } from "../doctor/doctor-port.js";
import { renderDoctorJson, renderDoctorReport } from "../doctor/render-doctor-report.js";
import { runDoctor } from "../doctor/run-doctor.js";
import { InputError, formatDiagnostic } from "../errors.js";
import { parseYamlSource } from "../util/yaml-source.js";
import { parseCommandLine, UsageError, type CliIo } from "./options.js";
import { AWS_REGION_PATTERN } from "../util/aws-region.js";
import { TARGET_GROUP_ARN_PATTERN } from "../util/target-group-arn.js";

export const DOCTOR_USAGE = `usage: berth doctor [--base-stack NAME] [--region REGION] [--role-arn ARN] [--wake-target-group ARN] [--config FILE ...] [--image REF ...] [--json]

Checks, read-only, that the AWS account is ready for previews: the base stack, its network and
load balancer, the bot's role, the images and the secrets the given configs name.

  --base-stack NAME   the base stack (default BERTH_BASE_STACK, else berth-base)
  --region REGION     its region (default AWS_REGION, else AWS_DEFAULT_REGION)
  --role-arn ARN      the bot's role, to simulate its permissions
  --wake-target-group ARN
                      berth's own target group, where sleeping previews' URLs forward (default
                      BERTH_WAKE_TARGET_GROUP_ARN)
  --config FILE       a repository's .github/preview.yml, to check its image and secrets; repeatable
  --image REF         an image to look for in ECR; repeatable
  --json              the report as JSON

Exit 0 every check passed, 1 a check failed, 2 bad usage.`;

const OPTIONS = {
  "base-stack": { type: "string" },
  region: { type: "string" },
  "role-arn": { type: "string" },
  "wake-target-group": { type: "string" },
  config: { type: "string", multiple: true },
  image: { type: "string", multiple: true },
  json: { type: "boolean" },
} as const;

/** `berth doctor`: read-only checks of the AWS account; 0 all passed, 1 a check failed, 2 bad usage. */
export async function doctorCommand(
  args: string[],
  io: CliIo,
  deps: { env: Record<string, string | undefined>; doctorPort?: ((region: string) => DoctorPort) | undefined },
): Promise<number> {
  const env = deps.env;
  let values;
  try {
    ({ values } = parseCommandLine(args, OPTIONS, false));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`berth doctor: ${error.message}\n${DOCTOR_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${DOCTOR_USAGE}\n`);
    return 0;
  }
  const problems: string[] = [];
  const baseStack = values["base-stack"] ?? env.BERTH_BASE_STACK ?? "berth-base";
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(baseStack)) problems.push(`--base-stack must be a CloudFormation stack name, got "${baseStack}"`);
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) problems.push("no region: pass --region or set AWS_REGION");
  else if (!AWS_REGION_PATTERN.test(region)) problems.push(`--region must be an AWS region such as us-east-1, got "${region}"`);
  const roleArn = values["role-arn"];
  if (roleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(roleArn)) problems.push(`--role-arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "${roleArn}"`);
  const wakeTargetGroupArn = values["wake-target-group"] ?? (env.BERTH_WAKE_TARGET_GROUP_ARN || undefined);
  if (wakeTargetGroupArn !== undefined && !TARGET_GROUP_ARN_PATTERN.test(wakeTargetGroupArn)) {
    problems.push(`--wake-target-group must be a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>), got "${wakeTargetGroupArn}"`);
  }
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
    io.stderr(`${problems.map((p) => `berth doctor: ${p}`).join("\n")}\n${DOCTOR_USAGE}\n`);
    return 2;
  }

  const port = (deps.doctorPort ?? createDoctorPort)(region);
  const report = await runDoctor({ port, baseStack, region, images, secrets, ...(roleArn ? { roleArn } : {}), ...(wakeTargetGroupArn ? { wakeTargetGroupArn } : {}) });
  io.stdout(values.json ? renderDoctorJson(report) : renderDoctorReport(report));
  return report.ok ? 0 : 1;
}

/** The composition root of `berth doctor`: SDK clients with the default credential chain. */
function createDoctorPort(region: string): DoctorPort {
  const config = () => ({ region, retryStrategy: new AwsRetryStrategy(), maxAttempts: AWS_ATTEMPTS.throttling });
  const ecr = new Map<string, ECRClient>();
  return createAwsDoctorPort({
    stacks: new CloudFormationStacks({ client: new CloudFormationClient(config()), ownership: { prefix: "berth-", tagKey: "berth:managed" } }),
    loadBalancers: new ElbV2({ client: new ElasticLoadBalancingV2Client(config()) }),
    ec2: new EC2Client(config()),
    iam: new IAMClient(config()),
    sts: new STSClient(config()),
    ecr: (r) => ecr.get(r) ?? ecr.set(r, new ECRClient({ ...config(), region: r })).get(r)!,
  });
}
