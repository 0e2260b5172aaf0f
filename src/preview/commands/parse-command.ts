/**
 * The pull request comment commands: one table, one parser. A command is a line that begins
 * with `/preview` in the text a reader sees; anything rendered as code, quoted or hidden is
 * never a command, so pasting a log or quoting someone cannot trigger a deploy.
 */

/** The name of a comment command. */
export type CommandName = "deploy" | "reset" | "redeploy" | "wake" | "destroy" | "logs" | "approve" | "help";

/** A command as parsed from a comment. */
export type ParsedCommand =
  | { name: "deploy" | "reset" | "redeploy" | "wake" | "destroy" }
  | {
      name: "approve";
      /** The commit the maintainer reviewed (7 to 40 hex digits); it must be the head's. */
      sha?: string;
    }
  | {
      name: "logs";
      /** The compose service whose log to show; undefined means the public service. */
      service?: string;
    }
  | {
      name: "help";
      /**
       * What followed `/preview` when it was not a valid command, trimmed to 40 characters.
       * Raw user text: escape it before putting it in Markdown.
       */
      unknown?: string;
    };

/** One row of the command table: the help text and the rules the handler enforces. */
export interface CommandSpec {
  name: CommandName;
  /** How the command is typed, e.g. `/preview logs [service]`. */
  usage: string;
  /** What the command does, one sentence for the help table. */
  description: string;
  /** Whether the commenter needs write permission on the repository (checked through the API). */
  requiresWrite: boolean;
  /** Whether the command runs the pull request's code (and therefore must respect fork approval). */
  deploys: boolean;
}

/** Every command berth understands, in the order the help table lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "deploy",
    usage: "/preview deploy",
    description: "Deploys the head commit, whatever the repository's deploy rules (label, branches, bots) say.",
    requiresWrite: true,
    deploys: true,
  },
  {
    name: "reset",
    usage: "/preview reset",
    description: "Wipes the preview's data, then runs migrate and seed again.",
    requiresWrite: true,
    deploys: true,
  },
  {
    name: "redeploy",
    usage: "/preview redeploy",
    description: "Deploys the head commit again, keeping the data.",
    requiresWrite: true,
    deploys: true,
  },
  {
    name: "wake",
    usage: "/preview wake",
    description: "Wakes a preview that sleeps (`sleep_after`): starts its services again and waits until it answers.",
    requiresWrite: true,
    deploys: false,
  },
  {
    name: "destroy",
    usage: "/preview destroy",
    description: "Deletes the preview now; the next push creates it again.",
    requiresWrite: true,
    deploys: false,
  },
  {
    name: "logs",
    usage: "/preview logs [service]",
    description: "Replies with the last lines of a service's log (default: the public service), secrets redacted.",
    requiresWrite: true,
    deploys: false,
  },
  {
    name: "approve",
    usage: "/preview approve [sha]",
    description: "Approves the head commit of a pull request from a fork for deployment (the one berth named, or the given SHA).",
    requiresWrite: true,
    deploys: true,
  },
  {
    name: "help",
    usage: "/preview help",
    description: "Shows this table.",
    requiresWrite: false,
    deploys: false,
  },
];

/** Only this much of a comment is read (GitHub allows 65 536 characters). */
export const MAX_COMMENT_BYTES = 64 * 1024;

const UNKNOWN_MAX_CHARS = 40;

/** Compose service names, as the Compose specification allows them (first character alphanumeric). */
const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/** `/preview` at the start of the line's text, followed by a space, a tab or the end of the line. */
const COMMAND_LINE = /^\/preview(?:[ \t]+(.*))?$/i;

/** A fence opener, possibly inside list items: markers, then ``` or ~~~ (three or more). */
const FENCE_OPEN = /^( *(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)*)( *)(`{3,}|~{3,})(.*)$/;

/** HTML blocks whose content is not shown as text: comments and `<pre>`-like raw blocks. */
const HTML_HIDDEN_OPEN = /^ {0,3}(?:<!--|<(pre|script|style|textarea)(?:[\s>]|$))/i;

interface Fence {
  char: string;
  length: number;
  /** Lines indented less than this (and not blank) end the list item, and the fence with it. */
  containerIndent: number;
}

type LineKind = "hidden" | "quote" | "blank" | "text";

/**
 * Finds the first comment command in a comment body. Returns undefined when the comment holds
 * no command. A command line starts (after at most three spaces) with `/preview` followed by
 * whitespace or the end of the line, outside fenced or indented code, block quotes (and their
 * lazy continuation lines), HTML comments, `<pre>` blocks and inline code spans. The verb is
 * case-insensitive (ASCII only); an unknown verb or extra arguments give `help` with `unknown`.
 * Only the first 64 KiB of the body are read, and a line cut by that limit is ignored.
 */
export function parseCommand(body: string): ParsedCommand | undefined {
  const lines = splitLines(truncate(body));
  const kinds = classifyLines(lines);
  let start = 0;
  while (start < lines.length) {
    if (kinds[start] !== "text") {
      start++;
      continue;
    }
    let end = start;
    while (end < lines.length && kinds[end] === "text") end++;
    const found = findInParagraph(lines.slice(start, end));
    if (found !== undefined) return found;
    start = end;
  }
  return undefined;
}

/** Renders the command table as Markdown, generated from COMMANDS. */
export function renderHelp(): string {
  const rows = COMMANDS.map(
    (c) => `| \`${c.usage}\` | ${escapeCell(c.description)} | ${c.requiresWrite ? "write" : "anyone"} |`,
  );
  return [
    "| Command | What it does | Who may use it |",
    "| --- | --- | --- |",
    ...rows,
    "",
    "Write the command at the start of a line. Commands inside code, quotes or HTML comments are ignored.",
  ].join("\n");
}

function escapeCell(text: string): string {
  return text.replace(/[\\|]/g, (c) => `\\${c}`);
}

function truncate(body: string): string {
  // Each UTF-16 unit is at least one UTF-8 byte, so this slice bounds the encoding work.
  const head = body.slice(0, MAX_COMMENT_BYTES + 1);
  const bytes = Buffer.from(head, "utf8");
  if (bytes.length <= MAX_COMMENT_BYTES) return head;
  const kept = bytes.subarray(0, MAX_COMMENT_BYTES).toString("utf8");
  const next = bytes[MAX_COMMENT_BYTES];
  if (next === 0x0a || next === 0x0d) return kept;
  // The last line was cut: `/preview logs web-frontend` must not become `/preview logs web`.
  const lastBreak = Math.max(kept.lastIndexOf("\n"), kept.lastIndexOf("\r"));
  return lastBreak < 0 ? "" : kept.slice(0, lastBreak);
}

function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

function isBlank(line: string): boolean {
  return /^[ \t]*$/.test(line);
}

function indentOf(line: string): number {
  let width = 0;
  for (const c of line) {
    if (c === " ") width++;
    else if (c === "\t") width += 4 - (width % 4);
    else break;
  }
  return width;
}

/**
 * Labels each line: hidden (code, HTML comment), quote (block quote or its lazy continuation),
 * blank, or text (a candidate for a command).
 */
function classifyLines(lines: string[]): LineKind[] {
  const kinds: LineKind[] = [];
  let fence: Fence | undefined;
  let htmlEnd: RegExp | undefined;
  let quoteParagraph = false;

  for (const line of lines) {
    if (fence !== undefined) {
      if (!isBlank(line) && indentOf(line) < fence.containerIndent) {
        fence = undefined; // the list item ended, and the fence with it; classify normally
      } else {
        if (isFenceClose(line, fence)) fence = undefined;
        kinds.push("hidden");
        continue;
      }
    }
    if (htmlEnd !== undefined) {
      if (htmlEnd.test(line)) htmlEnd = undefined;
      kinds.push("hidden");
      continue;
    }
    if (isBlank(line)) {
      quoteParagraph = false;
      kinds.push("blank");
      continue;
    }
    if (/^ {0,3}>/.test(line)) {
      const inner = line.replace(/^(?: {0,3}>[ \t]?)+/, "");
      // Inside a quote, only a paragraph continues lazily onto the next unmarked line.
      quoteParagraph = !isBlank(inner) && FENCE_OPEN.exec(inner) === null;
      kinds.push("quote");
      continue;
    }
    if (quoteParagraph) {
      kinds.push("quote");
      continue;
    }
    const opened = openFence(line);
    if (opened !== undefined) {
      fence = opened;
      kinds.push("hidden");
      continue;
    }
    const html = HTML_HIDDEN_OPEN.exec(line);
    if (html !== null) {
      const end = html[1] === undefined ? /-->/ : new RegExp(`</${html[1]}>`, "i");
      // The closing marker may stand on the opening line itself, after the opener.
      if (!end.test(line.slice(line.indexOf("<") + 4))) htmlEnd = end;
      kinds.push("hidden");
      continue;
    }
    // Four columns of indentation is an indented code block, or at least not a line start.
    kinds.push(indentOf(line) >= 4 ? "hidden" : "text");
  }
  return kinds;
}

function openFence(line: string): Fence | undefined {
  const m = FENCE_OPEN.exec(line);
  if (m === null) return undefined;
  const [, markers = "", spaces = "", run = "", info = ""] = m;
  const hasMarker = /[-+*.)]/.test(markers);
  if (!hasMarker && spaces.length + markers.length > 3) return undefined; // indented code, not a fence
  if (run.startsWith("`") && info.includes("`")) return undefined; // an inline code span
  return { char: run[0]!, length: run.length, containerIndent: hasMarker ? markers.length : 0 };
}

function isFenceClose(line: string, fence: Fence): boolean {
  const rest = line.slice(Math.min(fence.containerIndent, indentOf(line)));
  const m = /^ {0,3}(`+|~+)[ \t]*$/.exec(rest);
  return m !== null && m[1]![0] === fence.char && m[1]!.length >= fence.length;
}

/**
 * Looks for a command line in one paragraph (consecutive text lines), skipping lines that
 * begin inside an inline code span or an inline HTML comment opened on an earlier line.
 */
function findInParagraph(lines: string[]): ParsedCommand | undefined {
  const text = lines.join("\n");
  const hidden = hiddenRanges(text);
  let offset = 0;
  let range = 0;
  for (const line of lines) {
    while (range < hidden.length && hidden[range]![1] <= offset) range++;
    const inside = range < hidden.length && hidden[range]![0] < offset;
    if (!inside) {
      const parsed = parseCommandLine(line.replace(/^ {0,3}/, ""));
      if (parsed !== undefined) return parsed;
    }
    offset += line.length + 1;
  }
  return undefined;
}

/**
 * Offsets `[start, end)` of code spans and HTML comments in a paragraph, in order. A backtick
 * run opens a span closed by the next run of the same length; without one it is literal.
 * Linear in the text: each run length keeps a cursor that only moves forward.
 */
function hiddenRanges(text: string): Array<[number, number]> {
  const runs: Array<{ start: number; length: number }> = [];
  for (const m of text.matchAll(/`+/g)) runs.push({ start: m.index, length: m[0].length });
  const byLength = new Map<number, number[]>();
  runs.forEach((r, i) => {
    const list = byLength.get(r.length) ?? [];
    list.push(i);
    byLength.set(r.length, list);
  });
  const cursor = new Map<number, number>();
  const nextRunOfLength = (length: number, after: number): number | undefined => {
    const list = byLength.get(length)!;
    let at = cursor.get(length) ?? 0;
    while (at < list.length && list[at]! <= after) at++;
    cursor.set(length, at);
    return list[at];
  };

  const ranges: Array<[number, number]> = [];
  let pos = 0;
  let run = 0;
  let commentClose = text.indexOf("-->");
  while (pos < text.length) {
    while (run < runs.length && runs[run]!.start < pos) run++;
    const tick = run < runs.length ? runs[run]!.start : -1;
    const comment = text.indexOf("<!--", pos);
    if (tick < 0 && comment < 0) break;
    if (comment >= 0 && (tick < 0 || comment < tick)) {
      if (commentClose >= 0 && commentClose < comment + 4) commentClose = text.indexOf("-->", comment + 4);
      if (commentClose < 0) break; // no comment closes any more: the rest is literal
      ranges.push([comment, commentClose + 3]);
      pos = commentClose + 3;
      continue;
    }
    const open = runs[run]!;
    const close = nextRunOfLength(open.length, run);
    if (close === undefined) {
      pos = open.start + open.length;
      continue;
    }
    const closing = runs[close]!;
    ranges.push([open.start, closing.start + closing.length]);
    pos = closing.start + closing.length;
  }
  return ranges;
}

function parseCommandLine(line: string): ParsedCommand | undefined {
  const m = COMMAND_LINE.exec(line);
  if (m === null) return undefined;
  const rest = (m[1] ?? "").trim();
  if (rest === "") return { name: "help" };
  const words = rest.split(/[ \t]+/);
  const verb = asciiLower(words[0]!);
  const args = words.slice(1);
  switch (verb) {
    case "deploy":
    case "reset":
    case "redeploy":
    case "wake":
    case "destroy":
    case "help":
      if (args.length === 0) return { name: verb };
      break;
    case "approve":
      if (args.length === 0) return { name: "approve" };
      if (args.length === 1 && /^[0-9a-f]{7,40}$/i.test(args[0]!)) return { name: "approve", sha: asciiLower(args[0]!) };
      break;
    case "logs":
      if (args.length === 0) return { name: "logs" };
      if (args.length === 1 && SERVICE_NAME.test(args[0]!)) return { name: "logs", service: args[0]! };
      break;
  }
  return { name: "help", unknown: Array.from(rest).slice(0, UNKNOWN_MAX_CHARS).join("").trimEnd() };
}

/** Lowercases A-Z only, so that no Unicode case folding turns a lookalike into a verb. */
function asciiLower(word: string): string {
  return word.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}
