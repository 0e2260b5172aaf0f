import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { AWS_ATTEMPTS, AwsRetryStrategy } from "../aws/aws-retry-strategy.js";
import { CloudFormationStacks } from "../aws/cloudformation-stacks.js";
import type { DoctorPort } from "../doctor/doctor-port.js";
import type { StackSummary } from "../preview/ports.js";
import { DOCTOR_USAGE, doctorCommand } from "./doctor-command.js";
import { LIST_USAGE, listCommand } from "./list-command.js";
import { berthVersion, type CliIo } from "./options.js";
import { PLAN_USAGE, planCommand } from "./plan-command.js";
import { VALIDATE_USAGE, validateCommand } from "./validate-command.js";

export type { CliIo } from "./options.js";

/** What the CLI reads from outside its arguments; injectable for tests. */
export interface CliDeps {
  /** Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** The AWS reads of `berth doctor` in a region; default: SDK clients with the default credential chain. */
  doctorPort?: (region: string) => DoctorPort;
  /** The stacks `berth list` reads in a region; default: CloudFormation with the default credential chain. */
  stacks?: (region: string) => { list(): Promise<StackSummary[]> };
  now?: () => Date;
}

const COMMANDS: Record<string, string> = {
  plan: PLAN_USAGE,
  validate: VALIDATE_USAGE,
  list: LIST_USAGE,
  doctor: DOCTOR_USAGE,
};

const USAGE = `usage: berth <command> [options]

Commands:
  plan [DIR]       show the preview a pull request of the checkout in DIR would get
  validate [DIR]   check .github/preview.yml and the compose files, as a pre-commit hook or CI step
  list             the live previews of the AWS account
  doctor           check, read-only, that the AWS account is ready for previews

berth <command> --help shows a command's options. berth --version prints the version.`;

/** Exit codes: 0 done, 1 bad input in the repository or a failed check, 2 bad usage. */
export async function runCli(argv: string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const [command, ...rest] = argv;
  const env = deps.env ?? process.env;
  if (command === "--help" || command === "-h" || command === "help") {
    const topic = command === "help" ? rest[0] : undefined;
    io.stdout(`${topic !== undefined && COMMANDS[topic] ? COMMANDS[topic] : USAGE}\n`);
    return 0;
  }
  if (command === "--version" || command === "-v" || command === "version") {
    io.stdout(`berth ${berthVersion()}\n`);
    return 0;
  }
  switch (command) {
    case "plan":
      return planCommand(rest, io, env);
    case "validate":
      return validateCommand(rest, io);
    case "list":
      return listCommand(rest, io, { env, stacks: deps.stacks ?? createStacks, now: deps.now ?? (() => new Date()) });
    case "doctor":
      return doctorCommand(rest, io, { env, doctorPort: deps.doctorPort });
    default:
      io.stderr(`berth: ${command === undefined ? "missing command" : `unknown command "${command}"; known: ${Object.keys(COMMANDS).join(", ")}`}\n${USAGE}\n`);
      return 2;
  }
}

/** The composition root of `berth list`: CloudFormation with the default credential chain. */
function createStacks(region: string): { list(): Promise<StackSummary[]> } {
  return new CloudFormationStacks({ client: new CloudFormationClient({ region, retryStrategy: new AwsRetryStrategy(), maxAttempts: AWS_ATTEMPTS.throttling }), ownership: { prefix: "berth-", tagKey: "berth:managed" } });
}
