/**
 * What `berth doctor` simulates for the bot's role: the list the suite evaluates against
 * `deploy/bot.yml` (src/iam), for a representative preview in this account. Doctor renders a small
 * built-in project in-process, as berth would render it, and asks for every request of its first
 * deploy, a push, a reset and its teardown, and for doctor's own reads.
 */
import { buildDoctorRequests } from "../iam/doctor-requests.js";
import { buildPreviewRequests, LIFECYCLE_STEPS, type IamRequest } from "../iam/preview-requests.js";
import { planPreview } from "../plan/plan-preview.js";
import { ownershipTags } from "../preview/flow/index.js";
import type { BaseExport, OptionalBaseExport } from "../stack/base-stack.js";
import { createMemoryReader } from "../util/repo-reader.js";
import type { RepositoryRef, SimulationRequest } from "./doctor-port.js";

/** Where the previews run and who deploys them. */
export interface BotRoleAccount {
  partition: string;
  region: string;
  account: string;
  baseStack: string;
  /**
   * The base stack's outputs: those every base stack has, and the optional ones it gives. With
   * RolloutRoleArn (fast rollout), the sample renders blue/green and its requests are asked too.
   */
  outputs: Record<Exclude<BaseExport, OptionalBaseExport>, string> & Partial<Record<OptionalBaseExport, string>>;
  /** The bot's task role. */
  botRoleArn: string;
  /** ECR repositories the previews' images come from; none: no ECR request is simulated. */
  repositories: readonly RepositoryRef[];
}

/** The sample pull request doctor renders. */
const SAMPLE_TARGET = { owner: "berth-doctor", repo: "sample", pr: 1, sha: "0".repeat(40) };
/** The sample's repository in ECR; its requests are asked for the repositories named instead. */
const SAMPLE_REPOSITORY = "berth-doctor-sample";

/**
 * A representative project: a web service built from the repository with migrate and seed
 * release steps, and a Postgres data service it waits for.
 */
export const SAMPLE_COMPOSE = `services:
  web:
    build: .
    ports: ["3000:3000"]
    environment:
      DATABASE_URL: postgres://postgres:postgres@db:5432/app
    depends_on:
      db: { condition: service_healthy }
  db:
    image: postgres:16-alpine
    environment:
      POSTGRES_PASSWORD: postgres
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 5s
      retries: 10
`;

function sampleConfig(account: BotRoleAccount): string {
  return `service: web
port: 3000
image: ${account.account}.dkr.ecr.${account.region}.amazonaws.com/${SAMPLE_REPOSITORY}:{sha}
release:
  migrate: ./bin/migrate
  seed: ./bin/seed
`;
}

/**
 * Every request the bot's role must be allowed, each once: the sample preview's whole life and
 * doctor's own reads, with the sample's image checks asked of the repositories named.
 */
export async function buildBotRoleRequests(account: BotRoleAccount): Promise<SimulationRequest[]> {
  const reader = createMemoryReader({ "compose.yaml": SAMPLE_COMPOSE, ".github/preview.yml": sampleConfig(account) });
  const plan = await planPreview({ reader, target: SAMPLE_TARGET, baseStack: account.baseStack, baseOutputs: account.outputs });
  if (!plan) throw new Error("buildBotRoleRequests: the sample project has no preview config");
  const base = { name: account.baseStack, outputs: account.outputs };
  const where = { account: account.account, region: account.region, partition: account.partition };
  const steps = buildPreviewRequests({
    template: plan.stack.template as Parameters<typeof buildPreviewRequests>[0]["template"],
    stackName: plan.stack.stackName,
    base,
    ...where,
    stackTags: { ...ownershipTags(SAMPLE_TARGET), "berth:deploying": SAMPLE_TARGET.sha, "berth:sha": SAMPLE_TARGET.sha, "berth:seeded": "true" },
  });
  const lifecycle = LIFECYCLE_STEPS.flatMap((step) => steps[step]);
  const images = lifecycle.filter((r) => r.action === "ecr:DescribeImages");
  const named: IamRequest[] = images.length === 0 ? [] : account.repositories.map((r) => ({
    ...images[0]!,
    resource: `arn:${account.partition}:ecr:${r.region}:${r.registryId}:repository/${r.name}`,
    context: { "aws:RequestedRegion": r.region },
  }));
  const doctor = buildDoctorRequests({ base, botRoleArn: account.botRoleArn, repositories: account.repositories, ...where });
  const out = new Map<string, SimulationRequest>();
  for (const { action, resource, context } of [...lifecycle.filter((r) => r.action !== "ecr:DescribeImages"), ...named, ...doctor]) {
    out.set(JSON.stringify([action, resource, Object.entries(context).sort()]), { action, resource, context });
  }
  return [...out.values()];
}
