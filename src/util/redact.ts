/**
 * One redactor for everything berth relays to GitHub: log tails, error messages, stack events.
 * Every pattern here runs in linear time on adversarial input: each regex either starts with
 * a literal, or refuses to start inside a run of the characters it repeats (a lookbehind), and
 * key/value pairs are scanned with an explicit loop instead of one backtracking expression.
 */

import { stripAnsi } from "./markdown.js";

/** What replaces a secret. Key names stay, so a reader still sees which value was hidden. */
export const MASK = "***";

/** The secrets a redactor knows beyond the patterns it always applies. */
export interface RedactorOptions {
  /** Exact secret values (e.g. resolved secrets of a preview). Values shorter than 4 characters are ignored. */
  secretValues?: string[];
  /** Variable names whose values are secret (e.g. the keys of the config's `secrets`), case-insensitive. */
  secretNames?: string[];
}

/** Replaces every secret it recognizes in a text with `***`. Never throws. */
export type Redactor = (text: string) => string;

const MIN_SECRET_LENGTH = 4;

/** Shown instead of the text in the (unexpected) case that redaction itself fails. */
const REDACTION_FAILED = "[text withheld: it could not be checked for secrets]";

/** Keys whose value is secret, by how they end: `DB_PASSWORD`, `client_secret`, `x-api-key`, `accessToken`. */
const SECRET_KEY_SUFFIX =
  /(?:password|passwd|pwd|passphrase|secret|secret[_-]?string|token|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|credentials?|auth)$/i;

/** Environment-style names (upper snake case) that look secret anywhere in the name. */
const SECRET_ENV_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE/;

/**
 * `NAME=value` at the start of a line, as `env`, `.env` files and `export` print them. The value
 * runs to the end of the line (env values may hold spaces); lower-case `key=value` log fields are
 * left to the pair scanner, which stops at whitespace.
 */
const ENV_LINE = /^([ \t]*(?:export[ \t]+)?)([A-Za-z_][A-Za-z0-9_]*)([ \t]*=[ \t]*)([^\r\n]*)$/gm;

/** A key and its separator: `password=`, `"token": `, `--password=`, `:secret =>`. */
const PAIR_KEY = /(?<![\w.-])(["']?)(-{0,2}[A-Za-z_][\w.-]*)\1[ \t]*(?:=>|[:=])[ \t]*/g;

/** ECS and CloudFormation environment entries: `{"name":"DB_PASSWORD","value":"..."}`. */
const NAME_VALUE_ENTRY =
  /((["']?)name\2[ \t]*[:=][ \t]*(["'])([A-Za-z_][\w.-]{0,255})\3[ \t]*,[ \t]*(["']?)value\5[ \t]*[:=][ \t]*)(?:"([^"\r\n]*)"|'([^'\r\n]*)')/gi;

/** The key of an HTTP authorization header, in a header dump or a JSON/JS object. */
const AUTH_KEY = /\b(?:proxy-)?authorization["']?[ \t]*[:=][ \t]*/gi;
const AUTH_SCHEME = /(?:bearer|basic|token|digest|negotiate|aws4-hmac-sha256)[ \t]+/iy;

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;

/** `scheme://user:password@host`: the password is everything up to the last `@` of the authority. */
const URL_CREDENTIALS = /:\/\/([^\s:@/?#]*):([^\s/?#]+)@/g;

/** Tokens recognizable on their own, wherever they appear. */
const TOKEN_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // AWS access key ids (long-term and temporary).
  [/(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g, MASK],
  // GitHub tokens: personal, OAuth, user-to-server, installation, refresh, fine-grained.
  [/(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{20,}/g, MASK],
  [/(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{20,}/g, MASK],
  // Slack bot, user, app and config tokens, and incoming webhook URLs.
  [/(?<![A-Za-z0-9-])xox[abeoprs]-[A-Za-z0-9-]{8,}/g, MASK],
  [/(?<![A-Za-z0-9-])xapp-[A-Za-z0-9-]{8,}/g, MASK],
  [/hooks\.slack\.com\/(services|workflows|triggers)\/[A-Za-z0-9/_-]+/g, "hooks.slack.com/$1/***"],
  // JSON Web Tokens: base64url header and payload, both JSON objects (`eyJ` is `{"`).
  [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, MASK],
  // A bearer token outside an Authorization header.
  [/\b(bearer)[ \t]+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${MASK}`],
];

/**
 * Builds the redactor for one context. Applies, in order: the known secret values (also
 * URL-encoded and JSON-escaped), private key blocks, `NAME=value` lines whose name looks secret,
 * ECS `name`/`value` entries, Authorization headers, passwords in URLs, secret-looking
 * `key=value` / `key: value` pairs, and self-identifying tokens (AWS key ids, GitHub and Slack
 * tokens, JWTs, bearer tokens).
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const values = prepareValues(options.secretValues ?? []);
  const names = new Set((options.secretNames ?? []).filter((n) => typeof n === "string").map((n) => n.toLowerCase()));
  const isSecretKey = (key: string): boolean => {
    const bare = key.replace(/^-+/, "");
    if (names.has(bare.toLowerCase()) || SECRET_KEY_SUFFIX.test(bare)) return true;
    return /^[A-Z0-9_]+$/.test(bare) && SECRET_ENV_NAME.test(bare);
  };
  const isSecretEnvName = (name: string): boolean => names.has(name.toLowerCase()) || SECRET_ENV_NAME.test(name);

  return (text) => {
    try {
      // Terminal colours first: `\e[31mPASSWORD=...` hides the name from every rule below.
      let out = stripAnsi(typeof text === "string" ? text : String(text));
      out = replaceValues(out, values);
      out = redactPrivateKeys(out);
      out = out.replace(ENV_LINE, (line, lead: string, name: string, eq: string, value: string) =>
        isSecretEnvName(name) && value.trim() !== "" ? `${lead}${name}${eq}${MASK}` : line,
      );
      out = out.replace(
        NAME_VALUE_ENTRY,
        (entry, head: string, _q1, _q2, name: string, _q3, double: string | undefined, single: string | undefined) => {
          const value = double ?? single ?? "";
          if (value === "" || !isSecretEnvName(name.toUpperCase())) return entry;
          const quote = double === undefined ? "'" : '"';
          return `${head}${quote}${MASK}${quote}`;
        },
      );
      out = redactAuthorization(out);
      out = out.replace(URL_CREDENTIALS, (_m, user: string) => `://${user}:${MASK}@`);
      out = redactPairs(out, isSecretKey);
      for (const [pattern, replacement] of TOKEN_PATTERNS) out = out.replace(pattern, replacement);
      return out;
    } catch {
      return REDACTION_FAILED;
    }
  };
}

function prepareValues(raw: string[]): string[] {
  const set = new Set<string>();
  for (const value of raw) {
    if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH) continue;
    set.add(value);
    set.add(encodeURIComponent(value));
    set.add(JSON.stringify(value).slice(1, -1));
  }
  // Longest first, so a secret that contains another is hidden whole.
  return [...set].filter((v) => v.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

function replaceValues(text: string, values: string[]): string {
  let out = text;
  for (const value of values) if (out.includes(value)) out = out.split(value).join(MASK);
  return out;
}

/**
 * Redacts the lines of a log as one text, so that a secret spanning lines (a private key printed
 * line by line) is recognized, and returns the lines to show. A hidden block becomes one line.
 */
export function redactLines(redact: Redactor, lines: readonly string[]): string[] {
  return lines.length === 0 ? [] : redact(lines.join("\n")).split("\n");
}

/**
 * Keeps the BEGIN and END lines and hides the body. A block cut off by a log tail is hidden to
 * the end; one whose BEGIN line was cut off is hidden from the first line of its body.
 */
function redactPrivateKeys(text: string): string {
  let out = "";
  let pos = 0;
  PEM_END.lastIndex = 0;
  const firstEnd = PEM_END.exec(text);
  PEM_BEGIN.lastIndex = 0;
  const firstBegin = PEM_BEGIN.exec(text);
  if (firstEnd !== null && (firstBegin === null || firstEnd.index < firstBegin.index)) {
    const start = orphanBodyStart(text, firstEnd.index);
    out = text.slice(0, start) + MASK + firstEnd[0];
    pos = firstEnd.index + firstEnd[0].length;
  }
  PEM_BEGIN.lastIndex = pos;
  for (let begin = PEM_BEGIN.exec(text); begin !== null; begin = PEM_BEGIN.exec(text)) {
    const bodyStart = begin.index + begin[0].length;
    PEM_END.lastIndex = bodyStart;
    const end = PEM_END.exec(text);
    out += text.slice(pos, bodyStart) + MASK;
    if (end === null) return out;
    out += end[0];
    pos = end.index + end[0].length;
    PEM_BEGIN.lastIndex = pos;
  }
  return out + text.slice(pos);
}

/**
 * Where the body of a key that ends at `end` without a BEGIN line starts: back over the base64
 * and line breaks before it, then forward to the first line that holds nothing else. Linear.
 */
function orphanBodyStart(text: string, end: number): number {
  let at = end;
  while (at > 0 && /[A-Za-z0-9+/=\r\n]/.test(text[at - 1]!)) at--;
  const nextLine = at === 0 ? -1 : text.indexOf("\n", at);
  return nextLine >= 0 && nextLine < end ? nextLine + 1 : at;
}

function redactAuthorization(text: string): string {
  let out = "";
  let pos = 0;
  AUTH_KEY.lastIndex = 0;
  for (let key = AUTH_KEY.exec(text); key !== null; key = AUTH_KEY.exec(text)) {
    let at = key.index + key[0].length;
    const quote = isQuote(text[at]) ? text[at]! : "";
    if (quote !== "") at++;
    AUTH_SCHEME.lastIndex = at;
    if (AUTH_SCHEME.test(text)) at = AUTH_SCHEME.lastIndex;
    const end = valueEnd(text, at, quote);
    if (end > at) {
      out += text.slice(pos, at) + MASK;
      pos = end;
    }
    AUTH_KEY.lastIndex = Math.max(end, AUTH_KEY.lastIndex);
  }
  return out + text.slice(pos);
}

/** Scans `key<sep>value` pairs left to right; a non-secret key's value is scanned for further pairs. */
function redactPairs(text: string, isSecretKey: (key: string) => boolean): string {
  let out = "";
  let pos = 0;
  PAIR_KEY.lastIndex = 0;
  for (let pair = PAIR_KEY.exec(text); pair !== null; pair = PAIR_KEY.exec(text)) {
    if (!isSecretKey(pair[2]!)) continue;
    let at = pair.index + pair[0].length;
    const quote = isQuote(text[at]) ? text[at]! : "";
    if (quote !== "") at++;
    // Already hidden by an earlier rule, e.g. `https://x-access-token:***@github.com`.
    if (text.startsWith(MASK, at)) continue;
    const end = quote === "" ? unquotedEnd(text, at) : valueEnd(text, at, quote);
    // An object or a list after the key is structure, not the secret: its own pairs are scanned.
    const structured = quote === "" && (text[at] === "{" || text[at] === "[");
    if (end > at && !structured) {
      out += text.slice(pos, at) + MASK;
      pos = end;
      PAIR_KEY.lastIndex = end;
    }
  }
  return out + text.slice(pos);
}

function isQuote(c: string | undefined): boolean {
  return c === '"' || c === "'" || c === "`";
}

/** Scanners for a value's extent; sticky, so each costs only the length of the value. */
const VALUE_SCANNERS: Record<string, RegExp> = {
  "": /[^\r\n]*/y,
  '"': /[^"\r\n]*/y,
  "'": /[^'\r\n]*/y,
  "`": /[^`\r\n]*/y,
};

/** End of a value: the closing quote when quoted, else the end of the line. Never past the line. */
function valueEnd(text: string, from: number, quote: string): number {
  const scanner = VALUE_SCANNERS[quote]!;
  scanner.lastIndex = from;
  scanner.test(text);
  return scanner.lastIndex;
}

const UNQUOTED_VALUE = /[^\s,;&"'`]*/y;

function unquotedEnd(text: string, from: number): number {
  UNQUOTED_VALUE.lastIndex = from;
  UNQUOTED_VALUE.test(text);
  return UNQUOTED_VALUE.lastIndex;
}
