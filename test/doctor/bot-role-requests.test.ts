import { describe, expect, it } from "vitest";
import { buildBotRoleRequests, type BotRoleAccount } from "../../src/doctor/bot-role-requests.js";
import { getHandlerPermissions } from "../../src/iam/handler-permissions.js";
import { buildTemplate } from "../../src/stack/build-template.js";
import { BASE_OUTPUTS, BOT_ROLE_ARN, FAKE_ACCOUNT, FAKE_REGION } from "../fakes/aws-fake.js";
import { loadBotPolicy } from "../helpers/bot-policy.js";
import { denials } from "../helpers/simulate-iam.js";
import { BASE, django, node, rails, TARGET } from "../stack/fixtures/projects.js";

const SHOP = { registryId: FAKE_ACCOUNT, region: FAKE_REGION, name: "shop" };
const ACCOUNT: BotRoleAccount = {
  partition: "aws",
  region: FAKE_REGION,
  account: FAKE_ACCOUNT,
  baseStack: "berth-base",
  outputs: BASE_OUTPUTS,
  botRoleArn: BOT_ROLE_ARN,
  repositories: [SHOP],
};
const requests = await buildBotRoleRequests(ACCOUNT);
const withContext = requests.map((r, i) => ({ ...r, context: r.context ?? {}, caller: `request ${i}` }));
const shopArn = `arn:aws:ecr:${FAKE_REGION}:${FAKE_ACCOUNT}:repository/shop`;

describe("buildBotRoleRequests", () => {
  it("covers every resource type berth's templates declare: each handler permission is asked", () => {
    const typesOf = (template: unknown) => Object.values((template as { Resources: Record<string, { Type: string }> }).Resources).map((r) => r.Type);
    const declared = [...new Set([rails, django, node].flatMap((p) => typesOf(buildTemplate({ ...p, target: TARGET, baseStack: BASE }).template)))];
    const asked = new Set(requests.map((r) => r.action));
    // A listener rule reads a Cognito client only to authenticate with it; a preview's never does.
    const missing = declared.flatMap((type) => {
      const h = getHandlerPermissions(type);
      return [...h.create, ...h.read, ...h.update, ...h.delete].filter((a) => a !== "cognito-idp:DescribeUserPoolClient" && !asked.has(a)).map((a) => `${type} ${a}`);
    });
    expect(declared.length).toBeGreaterThanOrEqual(7);
    expect(missing).toEqual([]);
  });

  it("asks what deploy/bot.yml allows, as the suite proves it: zero denials", async () => {
    const policy = loadBotPolicy({ ecrRepositoryArns: [shopArn] });
    // In the fake account the bot's role has a path; the policy names roles by the stack's name.
    const asDeployed = withContext.map((r) => (r.resource === BOT_ROLE_ARN ? { ...r, resource: `arn:aws:iam::${FAKE_ACCOUNT}:role/berth-bot-TaskRole-0A1B2C3D4E5F` } : r));
    expect(requests.length).toBeGreaterThan(100);
    expect(await denials(policy, asDeployed)).toEqual([]);
  });

  it("is denied ecs:ListTasks by a role without the statement that fences it to the base cluster", async () => {
    const full = loadBotPolicy({ ecrRepositoryArns: [shopArn] });
    const policy = { ...full, Statement: full.Statement.filter((s) => s.Sid !== "ListPreviewTasks") };
    const denied = await denials(policy, withContext.filter((r) => r.action.startsWith("ecs:List")));
    expect(denied.map((line) => line.split(" ").slice(0, 2).join(" "))).toEqual(["ecs:ListTasks *"]);
  });

  it.each([
    ["the repositories named", [SHOP], [shopArn]],
    ["none when no repository is named", [], []],
  ])("asks ECR about %s", async (_name, repositories, arns) => {
    const asked = (await buildBotRoleRequests({ ...ACCOUNT, repositories })).filter((r) => r.action.startsWith("ecr:"));
    expect(asked.map((r) => `${r.action} ${r.resource}`).sort()).toEqual(arns.flatMap((arn) => [`ecr:DescribeImages ${arn}`, `ecr:DescribeRepositories ${arn}`]));
  });

  it("asks each request once", () => {
    const keys = requests.map((r) => JSON.stringify([r.action, r.resource, Object.entries(r.context ?? {}).sort()]));
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });
});
