/**
 * Evaluates CloudFormation intrinsic functions well enough for the fake to give plausible
 * resource properties and outputs: Ref, Fn::GetAtt, Fn::ImportValue, Fn::Sub, Fn::Join,
 * Fn::Split, Fn::Select, Fn::If and the condition functions, Fn::Base64, Fn::GetAZs.
 */

/** AWS::NoValue: removes the property or list item that holds it. */
export const NO_VALUE = Symbol("AWS::NoValue");

/** A template problem CloudFormation would report (the message reads like CloudFormation's). */
export class TemplateError extends Error {
  override name = "TemplateError";
}

export interface IntrinsicContext {
  region: string;
  account: string;
  stackName: string;
  stackId: string;
  /** Parameter values; CommaDelimitedList and List<...> parameters as arrays. */
  parameters: Record<string, string | string[]>;
  /** Evaluated conditions by name. */
  conditions?: Record<string, boolean>;
  /** Whether a logical id is a resource of the template. */
  isResource(logicalId: string): boolean;
  /** What `Ref` returns for a resource. */
  ref(logicalId: string): string;
  getAtt(logicalId: string, attribute: string): unknown;
  /** The value of an export, or undefined when no stack exports the name. */
  importValue(name: string): string | undefined;
}

/** Evaluates every intrinsic function in a template fragment. */
export function resolve(value: unknown, ctx: IntrinsicContext): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, ctx)).filter((v) => v !== NO_VALUE);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === "Ref" || first[0].startsWith("Fn::") || first[0] === "Condition")) {
    if (first[0] === "Condition") return condition(String(first[1]), ctx);
    return intrinsic(first[0], first[1], ctx);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const r = resolve(v, ctx);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

function intrinsic(fn: string, arg: unknown, ctx: IntrinsicContext): unknown {
  switch (fn) {
    case "Ref":
      return ref(String(arg), ctx);
    case "Fn::GetAtt": {
      const [id, attr] = Array.isArray(arg) ? arg.map((a) => String(resolve(a, ctx))) : splitOnce(String(arg), ".");
      if (!id || !attr) throw new TemplateError(`Template error: invalid Fn::GetAtt ${JSON.stringify(arg)}`);
      if (!ctx.isResource(id)) throw new TemplateError(`Template error: instance of Fn::GetAtt references undefined resource ${id}`);
      return ctx.getAtt(id, attr);
    }
    case "Fn::ImportValue": {
      const name = str(resolve(arg, ctx), fn);
      const value = ctx.importValue(name);
      if (value === undefined) throw new TemplateError(`No export named ${name} found`);
      return value;
    }
    case "Fn::Sub":
      return sub(arg, ctx);
    case "Fn::Join": {
      const [delimiter, items] = pair(arg, fn);
      const list = resolve(items, ctx);
      if (!Array.isArray(list)) throw new TemplateError(`Template error: Fn::Join requires a list, got ${JSON.stringify(list)}`);
      return list.map((v) => str(v, fn)).join(str(delimiter, fn));
    }
    case "Fn::Split": {
      const [delimiter, source] = pair(arg, fn);
      return str(resolve(source, ctx), fn).split(str(delimiter, fn));
    }
    case "Fn::Select": {
      const [index, items] = pair(arg, fn);
      const list = resolve(items, ctx);
      const i = Number(resolve(index, ctx));
      if (!Array.isArray(list) || !(i in list)) throw new TemplateError(`Template error: Fn::Select index ${i} out of bounds`);
      return list[i];
    }
    case "Fn::If": {
      const [name, yes, no] = Array.isArray(arg) ? arg : [];
      return resolve(condition(String(name), ctx) ? yes : no, ctx);
    }
    case "Fn::Equals": {
      const [a, b] = pair(arg, fn);
      return JSON.stringify(resolve(a, ctx)) === JSON.stringify(resolve(b, ctx));
    }
    case "Fn::Not":
      return !truthy(resolve(Array.isArray(arg) ? arg[0] : arg, ctx));
    case "Fn::And":
      return (arg as unknown[]).every((c) => truthy(resolve(c, ctx)));
    case "Fn::Or":
      return (arg as unknown[]).some((c) => truthy(resolve(c, ctx)));
    case "Fn::Base64":
      return Buffer.from(str(resolve(arg, ctx), fn)).toString("base64");
    case "Fn::GetAZs":
      return ["a", "b", "c"].map((z) => `${ctx.region}${z}`);
    default:
      throw new TemplateError(`Template format error: Unrecognized function ${fn}`);
  }
}

function ref(name: string, ctx: IntrinsicContext): unknown {
  switch (name) {
    case "AWS::Region":
      return ctx.region;
    case "AWS::AccountId":
      return ctx.account;
    case "AWS::StackName":
      return ctx.stackName;
    case "AWS::StackId":
      return ctx.stackId;
    case "AWS::Partition":
      return "aws";
    case "AWS::URLSuffix":
      return "amazonaws.com";
    case "AWS::NotificationARNs":
      return [];
    case "AWS::NoValue":
      return NO_VALUE;
  }
  if (name in ctx.parameters) return ctx.parameters[name];
  if (ctx.isResource(name)) return ctx.ref(name);
  throw new TemplateError(`Template format error: Unresolved resource dependencies [${name}] in the Resources block of the template`);
}

function sub(arg: unknown, ctx: IntrinsicContext): string {
  const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
  const variables = (resolve(vars ?? {}, ctx) ?? {}) as Record<string, unknown>;
  return str(text, "Fn::Sub").replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, name: string) => {
    if (literal) return "${" + name + "}";
    if (name in variables) return str(variables[name], "Fn::Sub");
    const [id, attr] = splitOnce(name, ".");
    if (attr && id && ctx.isResource(id)) return str(ctx.getAtt(id, attr), "Fn::Sub");
    const value = ref(name, ctx);
    return Array.isArray(value) ? value.join(",") : str(value, "Fn::Sub");
  });
}

function condition(name: string, ctx: IntrinsicContext): boolean {
  const value = ctx.conditions?.[name];
  if (value === undefined) throw new TemplateError(`Template format error: Unresolved condition dependency ${name}`);
  return value;
}

function splitOnce(text: string, separator: string): [string, string] {
  const i = text.indexOf(separator);
  return i < 0 ? [text, ""] : [text.slice(0, i), text.slice(i + 1)];
}

function pair(arg: unknown, fn: string): [unknown, unknown] {
  if (!Array.isArray(arg) || arg.length !== 2) throw new TemplateError(`Template error: ${fn} takes a list of two`);
  return [arg[0], arg[1]];
}

function str(value: unknown, fn: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new TemplateError(`Template error: ${fn} expected a string, got ${JSON.stringify(value)}`);
}

function truthy(value: unknown): boolean {
  return value === true || value === "true";
}

