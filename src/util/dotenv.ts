import { BerthError } from "../errors.js";
import { interpolate } from "../compose/interpolate.js";

/** A `.env` or `env_file` line Compose would refuse. `line` is 1-based. */
export class DotenvError extends BerthError {
  readonly line: number;
  /** What is wrong, without the line number. */
  readonly reason: string;
  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.line = line;
    this.reason = reason;
  }
}

/** Where values come from besides the file itself; berth passes the repository's `.env`, never process.env. */
export interface DotenvOptions {
  /**
   * Resolves `$VAR` in values that the file has not defined above, and `KEY` lines without
   * `=` ("take it from the environment"). Without it those lines are left out and unknown
   * variables expand to "".
   */
  lookup?: (name: string) => string | undefined;
}

const SPACE = /[ \t\v\f\r\u0085\u00a0]/;
const KEY_CHAR = /[\p{L}\p{N}_.\-[\]]/u;
const ESCAPE = /\\(?:[abfnrtv$"\\]|0[0-7]{0,3})/g;
const ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  '"': '"',
  "\\": "\\",
  // Kept escaped for the interpolation that follows.
  $: "$$",
};

/**
 * Parses a dotenv file the way Docker Compose (compose-go's `dotenv`) does: `KEY=VALUE` or
 * `KEY: VALUE`, an optional `export ` prefix, `#` comments, single quotes taken literally,
 * double quotes with escapes (`\n`, `\"`, `\\`, ...) and possibly spanning lines, unquoted
 * values trimmed and cut at an inline ` #` comment, empty values. Unquoted and double-quoted
 * values expand `$VAR`/`${VAR}` from keys defined earlier in the file, then `options.lookup`.
 * A line with a key and no `=` takes the value from `options.lookup` or is left out.
 * Throws DotenvError naming the line for a malformed key or an unterminated quote.
 */
export function parseDotenv(text: string, options: DotenvOptions = {}): Record<string, string> {
  const src = text.replace(/^\uFEFF/, "").replace(/\r\n/g, "\n");
  const out: Record<string, string> = {};
  const lookup = (name: string): string | undefined => (Object.hasOwn(out, name) ? out[name] : options.lookup?.(name));
  const expand = (value: string, line: number): string => {
    try {
      return interpolate(value, lookup);
    } catch (error) {
      throw new DotenvError(line, (error as Error).message);
    }
  };

  let pos = 0;
  let line = 1;
  while (pos < src.length) {
    const c = src[pos]!;
    if (c === "\n") {
      line++;
      pos++;
      continue;
    }
    if (SPACE.test(c)) {
      pos++;
      continue;
    }
    if (c === "#") {
      pos = endOfLine(src, pos);
      continue;
    }

    // The key, up to `=`, `:` or the end of the line.
    const exported = /^export[ \t]+/.exec(src.slice(pos));
    if (exported) pos += exported[0].length;
    const keyStart = pos;
    let separator: string | undefined;
    while (pos < src.length) {
      const k = src[pos]!;
      if (k === "=" || k === ":" || k === "\n") {
        separator = k;
        break;
      }
      if (!SPACE.test(k) && !KEY_CHAR.test(k)) {
        const name = src.slice(keyStart, endOfLine(src, keyStart));
        throw new DotenvError(line, `unexpected character "${k}" in variable name "${name}"`);
      }
      pos++;
    }
    const key = src.slice(keyStart, pos).replace(/\s+$/, "");
    if (key === "") throw new DotenvError(line, "missing variable name before the =");
    if (/\s/.test(key)) throw new DotenvError(line, `variable name "${key}" cannot contain a space`);
    if (separator === undefined || separator === "\n") {
      const inherited = options.lookup?.(key);
      if (inherited !== undefined) out[key] = inherited;
      continue;
    }
    pos++;
    while (pos < src.length && SPACE.test(src[pos]!)) pos++;

    const quote = src[pos];
    if (quote === "'" || quote === '"') {
      const startLine = line;
      let end = -1;
      let escaped = false;
      for (let j = pos + 1; j < src.length; j++) {
        const q = src[j];
        if (q === "\n") line++;
        if (escaped) escaped = false;
        else if (q === "\\") escaped = true;
        else if (q === quote) {
          end = j;
          break;
        }
      }
      if (end < 0) {
        const shown = src.slice(pos, endOfLine(src, pos));
        throw new DotenvError(startLine, `unterminated quoted value ${shown}`);
      }
      const raw = src.slice(pos + 1, end);
      out[key] = quote === "'" ? raw : expand(raw.replace(ESCAPE, unescape), startLine);
      pos = end + 1;
      const trailing = src.slice(pos, endOfLine(src, pos));
      if (!/^[ \t]*(#.*)?$/.test(trailing)) {
        throw new DotenvError(line, `unexpected text after the closing quote of ${key}: ${trailing.trim()}`);
      }
      pos = endOfLine(src, pos);
      continue;
    }

    const eol = endOfLine(src, pos);
    let value = src.slice(pos, eol);
    const comment = value.indexOf(" #");
    if (comment >= 0) value = value.slice(0, comment);
    out[key] = expand(value.replace(/\s+$/, ""), line);
    pos = eol;
  }
  return out;
}

function endOfLine(src: string, from: number): number {
  const eol = src.indexOf("\n", from);
  return eol < 0 ? src.length : eol;
}

function unescape(sequence: string): string {
  const c = sequence.slice(1);
  if (c.startsWith("0")) return String.fromCharCode(parseInt(c, 8));
  return ESCAPES[c] ?? sequence;
}

/**
 * Parses an env file in Compose's `raw` format (`env_file: [{path, format: raw}]`), which Docker
 * Compose reads as `docker run --env-file` does: `KEY=VALUE` with the value passed as written
 * (quotes, `$`, trailing spaces and all), leading whitespace and `#` comment lines skipped, a `KEY`
 * line without `=` taking its value from `lookup` (or left out). Throws DotenvError for a key with
 * whitespace in it or a line with no key.
 */
export function parseRawEnvFile(text: string, lookup?: (name: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  if (lines.at(-1) === "") lines.pop();
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, "").replace(/^\s+/, "");
    if (line === "" || line.startsWith("#")) return;
    const equals = line.indexOf("=");
    const key = equals < 0 ? line : line.slice(0, equals);
    if (key === "") throw new DotenvError(index + 1, `no variable name on line "${line}"`);
    if (/[ \t]/.test(key)) throw new DotenvError(index + 1, `variable "${key}" contains whitespace`);
    if (equals >= 0) out[key] = line.slice(equals + 1);
    else {
      const value = lookup?.(key);
      if (value !== undefined) out[key] = value;
    }
  });
  return out;
}
