/**
 * Helpers for putting user-controlled text (branch names, error messages, config strings)
 * into GitHub Flavored Markdown: comments, check-run summaries. The text must read as the
 * user wrote it, but must not ping people, cross-reference issues, inject HTML or links, or
 * change the layout around it (tables, headings, lists).
 */

/**
 * Characters that change how text is displayed without being visible: bidirectional
 * embeddings, overrides and isolates (the "Trojan Source" family), marks, and invisible
 * separators. Zero-width joiner and non-joiner stay: emoji sequences and several scripts
 * need them.
 */
const INVISIBLE = /[\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u180E\u00AD]/gu;

/** C0 and C1 control characters other than tab and the line breaks handled separately. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F]/gu;

/** Line breaks of every kind, with the blanks around them. */
const LINE_BREAK = /[ \t]*(?:\r\n|[\n\r\u0085\u2028\u2029])[ \t]*/gu;

/** ASCII punctuation that Markdown, GFM tables, strikethrough or GitHub math give a meaning to. */
const PUNCTUATION = /[\\`*_[\]()!|~#$]/g;

/** ANSI terminal escape sequences (colours, cursor moves) found in container logs. */
const ANSI = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])/g;

/** Zero-width space as an HTML entity: invisible when rendered, breaks mentions and references. */
const BREAK = "&#8203;";

/** Removes ANSI terminal escape sequences (colours, cursor moves), as container logs carry them. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** Removes invisible and control characters and collapses line breaks and tabs into single spaces. */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, "").replace(CONTROL, "").replace(LINE_BREAK, " ").replace(/\t/g, " ");
}

/**
 * Escapes user-controlled text for inline use in GitHub Markdown (a table cell, a list
 * item, a sentence). The result renders as the same visible text, on one line, and:
 * - `@name` and `@org/team` do not notify anyone (a zero-width space follows the `@`);
 * - `#123`, `owner/repo#123` and `GH-123` do not create cross-references;
 * - `<`, `>` and `&` are entities, so no HTML, no comments, no entity tricks;
 * - link, image, emphasis, code, strikethrough, math and table syntax is backslash-escaped;
 * - a leading list marker or ordered-list number is escaped;
 * - bidi controls and zero-width characters are removed, line breaks become spaces.
 */
export function escapeMarkdown(text: string): string {
  let out = stripInvisible(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(PUNCTUATION, (c) => `\\${c}`);
  // After the punctuation, so the `#` of an entity is not escaped in turn; `#` first, as the
  // entity inserted by the other two would look like a reference to it.
  out = out.replace(/#(?=\d)/g, `#${BREAK}`);
  out = out.replace(/\b(GH)-(?=\d)/gi, `$1-${BREAK}`);
  out = out.replace(/@(?=\S)/gu, `@${BREAK}`);
  // Only the very start can open a block: the text is one line after stripInvisible.
  out = out.replace(/^(\s*)([-+=])/u, "$1\\$2").replace(/^(\s*\d{1,9})([.)])/u, "$1\\$2");
  return out;
}

/**
 * Wraps text in an inline code span whose backtick fence is longer than any run of
 * backticks inside, padding with spaces where the content starts or ends with a backtick.
 * Line breaks become spaces (a code span is one line). Mentions inside code never notify.
 * Inside a GFM table cell a `|` still splits the cell: do not use this there for text with pipes.
 */
export function inlineCode(text: string): string {
  const content = stripInvisible(text);
  if (content === "") return "` `";
  const fence = "`".repeat(longestRun(content, "`") + 1);
  const pad = content.startsWith("`") || content.endsWith("`") || /^ .* $/su.test(content) ? " " : "";
  return `${fence}${pad}${content}${pad}${fence}`;
}

/**
 * A fence for a fenced code block holding `text`: backticks, at least three, and longer
 * than any run of backticks in the text, so the text cannot close the block early.
 */
export function codeFence(text: string): string {
  return "`".repeat(Math.max(3, longestRun(text, "`") + 1));
}

/**
 * A fenced code block of log or command output. ANSI colour sequences, control and
 * invisible characters are removed from each line; the fence is longer than any backtick
 * run inside, so the lines cannot end the block. Nothing inside is rendered or pings anyone.
 */
export function codeBlock(lines: readonly string[], language = ""): string {
  const clean = lines.map((line) =>
    line.replace(ANSI, "").replace(INVISIBLE, "").replace(CONTROL, "").replace(/[\r\n\u0085\u2028\u2029]+/gu, " "),
  );
  const body = clean.join("\n");
  const fence = codeFence(body);
  return `${fence}${language}\n${body}\n${fence}`;
}

/**
 * A Markdown link to an http(s) URL, or the escaped text alone when the URL is not a plain
 * absolute http(s) URL (no blanks, quotes or angle brackets) and so cannot be linked safely.
 * Without `text` the URL itself is shown.
 */
export function markdownLink(url: string, text?: string): string {
  const label = escapeMarkdown(text ?? url);
  return isSafeUrl(url) ? `[${label}](<${url}>)` : label;
}

/** Whether a URL is absolute http(s) without characters that could end a Markdown link. */
export function isSafeUrl(url: string): boolean {
  return /^https?:\/\/[^\s<>"'`\\\p{Cc}\p{Cf}]+$/u.test(url);
}

/**
 * Shortens text to at most `max` Unicode code points, ending with "…" when it was cut.
 * Never splits a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (max <= 0) return "";
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points.slice(0, max - 1).join("")}…`;
}

/**
 * Shortens text to at most `maxBytes` bytes of UTF-8, appending `marker` when it was cut
 * (the marker counts toward the limit). Cuts only between code points. For API fields whose
 * limit is stored in bytes or counted in characters: a byte limit satisfies both.
 */
export function truncateUtf8(text: string, maxBytes: number, marker = "…"): string {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(marker, "utf8");
  if (budget <= 0) return "";
  let used = 0;
  let out = "";
  for (const point of text) {
    const size = Buffer.byteLength(point, "utf8");
    if (used + size > budget) break;
    used += size;
    out += point;
  }
  return out + marker;
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === char ? current + 1 : 0;
    if (current > longest) longest = current;
  }
  return longest;
}
