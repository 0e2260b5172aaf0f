import { BerthError } from "../errors.js";

/** Why interpolation failed: a malformed `${...}` or a `:?`/`?` check on a missing variable. */
export type InterpolationErrorKind = "invalid" | "required";

/** A template could not be interpolated. `message` reads like Docker Compose's own error. */
export class InterpolationError extends BerthError {
  readonly kind: InterpolationErrorKind;
  /** The variable a `required` check failed on; undefined for `invalid`. */
  readonly variable: string | undefined;
  constructor(kind: InterpolationErrorKind, message: string, variable?: string) {
    super(message);
    this.kind = kind;
    this.variable = variable;
  }
}

/** Hooks for the caller; interpolation itself never reads the process environment. */
export interface InterpolateOptions {
  /**
   * Called for every `$VAR` or `${VAR}` that is unset and therefore becomes "". Not called
   * for variables whose absence an operator handles (`${VAR:-x}`, `${VAR+x}`, ...).
   */
  onUnset?: (name: string) => void;
}

const NAME = /^[_a-z][_a-z0-9]*/i;
const OPERATOR = /^:?[-+?]/;

/**
 * Interpolates a Compose template the way compose-go's `template.Substitute` does:
 * `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
 * `${VAR:+alternative}`, `${VAR+alternative}`, nested templates inside the operator's text
 * (evaluated only when used), and `$$` for a literal `$`. A `$` that starts no variable is kept.
 * Unset variables become "". Throws InterpolationError for a malformed `${...}` ("invalid")
 * and for a failed `:?`/`?` check ("required").
 */
export function interpolate(
  template: string,
  lookup: (name: string) => string | undefined,
  options: InterpolateOptions = {},
): string {
  return substitute(template, template, lookup, options);
}

function substitute(
  text: string,
  whole: string,
  lookup: (name: string) => string | undefined,
  options: InterpolateOptions,
): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf("$", i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === "$") {
      out += "$";
      i = dollar + 2;
    } else if (next === "{") {
      const close = closingBrace(text, dollar + 1);
      if (close < 0) throw invalid(whole);
      out += braced(text.slice(dollar + 2, close), whole, lookup, options);
      i = close + 1;
    } else {
      const name = NAME.exec(text.slice(dollar + 1))?.[0];
      if (name === undefined) {
        out += "$";
        i = dollar + 1;
      } else {
        out += valueOf(name, lookup, options);
        i = dollar + 1 + name.length;
      }
    }
  }
  return out;
}

/**
 * Index of the `}` that closes the `{` at `open`, counting every brace so that defaults may
 * hold nested templates and JSON. Without a balanced one, compose-go's pattern stops at the
 * last `}` of the text, so this does too; -1 when there is none.
 */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    const c = text[j];
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return j;
  }
  const last = text.lastIndexOf("}");
  return last > open ? last : -1;
}

function braced(
  body: string,
  whole: string,
  lookup: (name: string) => string | undefined,
  options: InterpolateOptions,
): string {
  const name = NAME.exec(body)?.[0];
  if (name === undefined) throw invalid(whole);
  const rest = body.slice(name.length);
  if (rest === "") return valueOf(name, lookup, options);
  const operator = OPERATOR.exec(rest)?.[0];
  if (operator === undefined) throw invalid(whole);
  const argument = rest.slice(operator.length);
  const value = lookup(name);
  const missing = operator.startsWith(":") ? value === undefined || value === "" : value === undefined;
  const nested = (): string => substitute(argument, whole, lookup, options);
  switch (operator.slice(-1)) {
    case "-":
      return missing ? nested() : (value ?? "");
    case "+":
      return missing ? "" : nested();
    default: {
      if (!missing) return value ?? "";
      const message = nested();
      const text = `required variable ${name} is missing a value` + (message === "" ? "" : `: ${message}`);
      throw new InterpolationError("required", text, name);
    }
  }
}

function valueOf(name: string, lookup: (name: string) => string | undefined, options: InterpolateOptions): string {
  const value = lookup(name);
  if (value === undefined) {
    options.onUnset?.(name);
    return "";
  }
  return value;
}

function invalid(template: string): InterpolationError {
  return new InterpolationError("invalid", `invalid interpolation format in "${template}": write a literal $ as $$`);
}
