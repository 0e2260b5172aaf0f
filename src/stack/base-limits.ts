import type { Diagnostic } from "../errors.js";
import { baseLocation } from "./base-stack.js";
import { configDiagnostic, type ConfigLineOf } from "./diagnostics.js";
import { hostname } from "./naming.js";

/** The longest value an ALB host-header condition takes. */
export const MAX_HOST_HEADER = 128;

/**
 * The preview's host name, `<label>.<domain>`, against the ALB's limit for a host-header value:
 * said at plan time, naming the limit, instead of CloudFormation failing the listener rule. The
 * label is at most 63 characters, so a domain of up to 64 characters always fits.
 */
export function hostHeaderDiagnostics(input: { label: string; baseStack: string; outputs: Record<string, string> }): Diagnostic[] {
  const domain = input.outputs.Domain;
  if (!domain) return [];
  const host = hostname(input.label, domain);
  if (host.length <= MAX_HOST_HEADER) return [];
  return [
    {
      file: `base stack ${input.baseStack}`,
      path: "Domain",
      message:
        `Domain: the preview's host name ${host} is ${host.length} characters, over the ${MAX_HOST_HEADER} an ALB host-header condition takes ` +
        `(its label is at most 63); the base stack's Domain (${domain.length} characters) must be at most ${MAX_HOST_HEADER - 64} characters long`,
    },
  ];
}

/** A secret reference taken apart: where it lives and the name the execution role's policy matches. */
interface SecretLocation {
  service: "ssm" | "secretsmanager";
  region?: string;
  account?: string;
  /** The name as IAM sees it in the ARN: an SSM name without its leading slash, a secret's name with its suffix. */
  name: string;
}

function locate(reference: string): SecretLocation | undefined {
  if (reference.startsWith("/")) return { service: "ssm", name: reference.slice(1) };
  const ssm = /^arn:aws[a-z-]*:ssm:([a-z0-9-]+):(\d{12}):parameter\/(.+)$/.exec(reference);
  if (ssm) return { service: "ssm", region: ssm[1]!, account: ssm[2]!, name: ssm[3]! };
  const secret = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:([^:]+)/.exec(reference);
  if (secret) return { service: "secretsmanager", region: secret[1]!, account: secret[2]!, name: secret[3]! };
  return undefined;
}

/** Whether `name` matches the execution role's `<prefix>*` resource, with IAM's wildcards. */
function underPrefix(name: string, prefix: string): boolean {
  const pattern = `${prefix}*`.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${pattern}$`).test(name);
}

/**
 * Secrets the base stack's execution role cannot read, each an error on its `secrets.<NAME>` line:
 * in another region or account than the preview (both read from the base stack's listener), or
 * outside its `SecretsPrefix`. ECS would otherwise fail every task of the preview at start. Only
 * the checks whose base outputs are known run. The reference itself is never repeated.
 */
export function secretDiagnostics(input: {
  secrets: Record<string, string>;
  outputs: Record<string, string>;
  lineOf?: ConfigLineOf;
  /** The config key the secrets are under. */
  key?: "secrets" | "compose_secrets" | readonly ["access", "oidc"];
  /** Who reads them, for the message; default the previews' execution role. */
  reader?: string;
}): Diagnostic[] {
  const here = baseLocation(input.outputs);
  const prefix = input.outputs.SecretsPrefix;
  const out: Diagnostic[] = [];
  for (const [variable, reference] of Object.entries(input.secrets)) {
    const where = locate(reference);
    if (!where) continue;
    const kind = where.service === "ssm" ? "SSM parameter" : "Secrets Manager secret";
    const problems: string[] = [];
    if (here && where.region !== undefined && where.region !== here.region) {
      problems.push(`the ${kind} is in region ${where.region}, but the preview runs in ${here.region}`);
    }
    if (here && where.account !== undefined && where.account !== here.account) {
      problems.push(`the ${kind} is in account ${where.account}, but the preview runs in ${here.account}`);
    }
    if (prefix !== undefined && prefix !== "" && !underPrefix(where.name, prefix)) {
      const shown = where.service === "ssm" ? `/${prefix}` : prefix;
      problems.push(`the ${kind}'s name does not start with "${shown}", the base stack's SecretsPrefix`);
    }
    if (problems.length === 0) continue;
    const scope = `${here ? `${here.region} of account ${here.account}` : "the preview's region"}${prefix ? ` whose names start with "${prefix}"` : ""}`;
    out.push(
      configDiagnostic(
        [...(typeof input.key === "object" ? input.key : [input.key ?? "secrets"]), variable],
        `${problems.join("; ")}; ${input.reader ?? "the previews' execution role"} reads only secrets in ${scope}: move the secret there, or ask the operator to change SecretsPrefix`,
        input.lineOf,
      ),
    );
  }
  return out;
}
