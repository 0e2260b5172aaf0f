import { createAwsDoctorPort } from "../../src/aws/aws-doctor-port.js";
import { CloudFormationStacks } from "../../src/aws/cloudformation-stacks.js";
import { ElbV2 } from "../../src/aws/elbv2.js";
import { runCli } from "../../src/cli/index.js";
import type { DoctorPort } from "../../src/doctor/doctor-port.js";
import { BOT_TARGET_GROUP_ARN, createAwsFake, FAKE_REGION, type AwsFake } from "../fakes/aws-fake.js";

/** The doctor port on the fake account's clients, through the real adapters. */
export function fakeDoctorPort(fake: AwsFake): DoctorPort {
  return createAwsDoctorPort({
    stacks: new CloudFormationStacks({ client: fake.clients.cloudformation, ownership: { prefix: "berth-", tagKey: "berth:managed" } }),
    loadBalancers: new ElbV2({ client: fake.clients.elbv2 }),
    ec2: fake.clients.ec2,
    iam: fake.clients.iam,
    sts: fake.clients.sts,
    ecr: () => fake.clients.ecr,
  });
}

/** Runs `berth <args>` against the fake account, with AWS_REGION and berth's own target group set as in berth's task. */
export async function doctorCli(
  args: string[],
  fake: AwsFake = createAwsFake(),
  env: Record<string, string | undefined> = { AWS_REGION: FAKE_REGION, BERTH_WAKE_TARGET_GROUP_ARN: BOT_TARGET_GROUP_ARN },
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { env, doctorPort: () => fakeDoctorPort(fake) });
  return { code, stdout, stderr };
}
