/**
 * deploy/bot.yml's task role as AWS sees it once deployed: every intrinsic (`Fn::Sub`,
 * `Fn::ImportValue` of the base stack's exports, `Fn::Join`/`Select`/`Split`, `Ref` of
 * parameters) resolved to concrete values in the fake account, with the fake base stack's outputs.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from "yaml";
import { BASE_OUTPUTS, BASE_STACK, FAKE_ACCOUNT, FAKE_REGION } from "../fakes/aws-fake.js";
import { resolve } from "../fakes/aws/intrinsics.js";

/** The bot's own stack in the fake account. */
export const BOT_STACK = "berth-bot";

/** One IAM policy statement, resolved. */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** CloudFormation's short-form intrinsics (`!Sub`, `!Ref`, ...) read as their long form. */
const FUNCTIONS = ["Sub", "GetAtt", "Join", "Select", "Split", "ImportValue", "Equals", "If", "Not", "And", "Or", "FindInMap", "Base64", "Cidr", "GetAZs"];
const CFN_TAGS: Array<ScalarTag | CollectionTag> = [
  { tag: "!Ref", resolve: (value: string) => ({ Ref: value }) },
  ...FUNCTIONS.flatMap((name): Array<ScalarTag | CollectionTag> => [
    { tag: `!${name}`, resolve: (value: string) => ({ [`Fn::${name}`]: name === "GetAtt" ? value.split(".") : value }) },
    { tag: `!${name}`, collection: "seq", resolve: (seq: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [`Fn::${name}`]: seq.toJSON() }) },
    { tag: `!${name}`, collection: "map", resolve: (map: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [`Fn::${name}`]: map.toJSON() }) },
  ]),
];

/** A CloudFormation template in YAML, short-form intrinsics included, as JSON. */
export function parseCfnYaml(text: string): Record<string, unknown> {
  return parse(text, { customTags: CFN_TAGS }) as Record<string, unknown>;
}

const BOT_YML = path.resolve(import.meta.dirname, "../../deploy/bot.yml");

/**
 * The policies of one role of deploy/bot.yml (`TaskRole` by default), resolved for a bot stack
 * deployed next to the fake base stack (named `baseStack`, default `berth-base`) with these ECR
 * repositories: its inline policies' statements, then those of the managed policies attached to it.
 */
export function loadBotPolicy(input: { ecrRepositoryArns: string[]; baseStack?: string; role?: string; text?: string }): PolicyDocument {
  const { inline, managed } = loadBotPolicies(input);
  return { Version: "2012-10-17", Statement: [...inline.Statement, ...Object.values(managed).flatMap((p) => p.Statement)] };
}

/**
 * One role's policies as IAM stores them: its inline policies' statements as one document (IAM
 * limits their sum), and each managed policy of the template attached to it, by logical id.
 */
export function loadBotPolicies(input: { ecrRepositoryArns: string[]; baseStack?: string; role?: string; text?: string }): {
  inline: PolicyDocument;
  managed: Record<string, PolicyDocument>;
} {
  const template = parseCfnYaml(input.text ?? readFileSync(BOT_YML, "utf8")) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const roleId = input.role ?? "TaskRole";
  const role = template.Resources[roleId];
  if (!role) throw new Error(`deploy/bot.yml has no resource ${input.role}`);
  const baseStack = input.baseStack ?? BASE_STACK;
  const exported = Object.fromEntries(Object.entries(BASE_OUTPUTS).map(([name, value]) => [`${baseStack}-${name}`, value]));
  const ctx: Parameters<typeof resolve>[1] = {
    region: FAKE_REGION,
    account: FAKE_ACCOUNT,
    stackName: BOT_STACK,
    stackId: `arn:aws:cloudformation:${FAKE_REGION}:${FAKE_ACCOUNT}:stack/${BOT_STACK}/00000000-0000-4000-8000-000000000000`,
    parameters: {
      BaseStackName: baseStack,
      AllowedRegion: FAKE_REGION,
      EcrRepositoryArns: input.ecrRepositoryArns,
      ListenerRulePriority: "1",
      Image: `${FAKE_ACCOUNT}.dkr.ecr.${FAKE_REGION}.amazonaws.com/berth:1`,
      AppId: "12345",
      PrivateKeySecretArn: `arn:aws:secretsmanager:${FAKE_REGION}:${FAKE_ACCOUNT}:secret:berth/private-key-AbCdEf`,
      WebhookSecretArn: `arn:aws:secretsmanager:${FAKE_REGION}:${FAKE_ACCOUNT}:secret:berth/webhook-AbCdEf`,
    },
    isResource: (id) => id in template.Resources,
    ref: (id) => `${BOT_STACK}-${id}`,
    getAtt: (id, attribute) => (attribute === "Arn" ? `arn:aws:logs:${FAKE_REGION}:${FAKE_ACCOUNT}:log-group:/berth/${BOT_STACK}:*` : `${id}.${attribute}`),
    importValue: (name) => exported[name],
  };
  const policies = resolve(role.Properties.Policies, ctx) as Array<{ PolicyDocument: PolicyDocument }>;
  const attached = Object.entries(template.Resources).filter(
    ([, r]) => r.Type === "AWS::IAM::ManagedPolicy" && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]),
  );
  return {
    inline: { Version: "2012-10-17", Statement: policies.flatMap((p) => p.PolicyDocument.Statement) },
    managed: Object.fromEntries(attached.map(([id, r]) => [id, resolve(r.Properties.PolicyDocument, ctx) as PolicyDocument])),
  };
}

/** A statement's actions as a list. */
export function actionsOf(statement: PolicyStatement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}
