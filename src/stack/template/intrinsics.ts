/**
 * CloudFormation's intrinsic functions, as plain template JSON, for the few a preview template
 * uses. A value is either literal text or one of these; nothing is evaluated here.
 */

/** `Ref` to a parameter, a resource or a pseudo parameter such as `AWS::Region`. */
export interface Ref {
  Ref: string;
}

/** `Fn::GetAtt` of one of a resource's attributes. */
export interface GetAtt {
  "Fn::GetAtt": [logicalId: string, attribute: string];
}

/** `Fn::Join` of values with a delimiter; build it with {@link join}. */
export interface Join {
  "Fn::Join": [delimiter: string, values: Value[]];
}

/** `Fn::Split` of text into a list; build it with {@link split}. */
export interface Split {
  "Fn::Split": [delimiter: string, source: Value];
}

/** `Fn::Sub` of a template string. */
export interface Sub {
  "Fn::Sub": string;
}

/**
 * `Fn::If`: the first value where the template's condition holds, the second otherwise. Text by
 * default; `T` for a property of another shape (a number, an object).
 */
export interface If<T = Value> {
  "Fn::If": [condition: string, whenTrue: T, whenFalse: T];
}

/** A condition of the template's `Conditions` section: `Fn::Equals` of two values, maybe negated. */
export type ConditionExpression = { "Fn::Equals": [Value, Value] } | { "Fn::Not": [ConditionExpression] };

/** An intrinsic function whose result is text (or a number, where the property takes one). */
export type Intrinsic = Ref | GetAtt | Join | Sub | If;

/** A property value: literal, or an intrinsic function that CloudFormation evaluates to one. */
export type Value<T = string> = T | Intrinsic;

/** A list property: a literal list of values, or `Fn::Split` of one value. */
export type ListValue = Value[] | Split;

/** `{ Ref: logicalId }`. */
export function ref(logicalId: string): Ref {
  return { Ref: logicalId };
}

/** `{ "Fn::GetAtt": [logicalId, attribute] }`. */
export function getAtt(logicalId: string, attribute: string): GetAtt {
  return { "Fn::GetAtt": [logicalId, attribute] };
}

/** `{ "Fn::If": [condition, whenTrue, whenFalse] }`. */
export function ifCondition<T = Value>(condition: string, whenTrue: T, whenFalse: T): If<T> {
  return { "Fn::If": [condition, whenTrue, whenFalse] };
}

/** The region the stack is deployed in. */
export const AWS_REGION: Ref = ref("AWS::Region");

/**
 * `Fn::Join`, written as small as it can be: a nested join with the same delimiter is spliced in,
 * adjacent literals are joined here, and a join left with one value is that value (so a join of
 * literals only is plain text). Throws on an empty list, which CloudFormation refuses.
 */
export function join(delimiter: string, values: readonly Value[]): Value {
  if (values.length === 0) throw new Error("join: Fn::Join needs at least one value");
  const out: Value[] = [];
  for (const value of values) {
    const parts = isJoin(value) && value["Fn::Join"][0] === delimiter ? value["Fn::Join"][1] : [value];
    for (const part of parts) {
      const last = out.at(-1);
      if (typeof part === "string" && typeof last === "string") out[out.length - 1] = `${last}${delimiter}${part}`;
      else out.push(part);
    }
  }
  return out.length === 1 ? out[0]! : { "Fn::Join": [delimiter, out] };
}

/** `Fn::Split` of a value that is known only at deploy time; literal text is split here. */
export function split(delimiter: string, source: Value): ListValue {
  return typeof source === "string" ? source.split(delimiter) : { "Fn::Split": [delimiter, source] };
}

/** Whether a value is an `Fn::Join`. */
export function isJoin(value: unknown): value is Join {
  return typeof value === "object" && value !== null && "Fn::Join" in value;
}
