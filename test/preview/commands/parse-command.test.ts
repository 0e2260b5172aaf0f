import { describe, expect, it } from "vitest";
import { COMMANDS, MAX_COMMENT_BYTES, parseCommand, renderHelp, type ParsedCommand } from "../../../src/preview/commands/parse-command.js";

const corpus: Array<[string, string, ParsedCommand | undefined]> = [
  // the commands themselves
  ["reset", "/preview reset", { name: "reset" }],
  ["redeploy", "/preview redeploy", { name: "redeploy" }],
  ["destroy", "/preview destroy", { name: "destroy" }],
  ["approve", "/preview approve", { name: "approve" }],
  ["approve with the reviewed SHA", "/preview approve 2222222", { name: "approve", sha: "2222222" }],
  ["approve with a full upper-case SHA", "/preview approve ABCDEF0123456789ABCDEF0123456789ABCDEF01", { name: "approve", sha: "abcdef0123456789abcdef0123456789abcdef01" }],
  ["approve with something that is not a SHA", "/preview approve everything", { name: "help", unknown: "approve everything" }],
  ["help", "/preview help", { name: "help" }],
  ["bare /preview", "/preview", { name: "help" }],
  ["bare /preview with trailing spaces", "/preview   ", { name: "help" }],
  ["logs without a service", "/preview logs", { name: "logs" }],
  ["logs with a service", "/preview logs web", { name: "logs", service: "web" }],
  ["logs with dots and dashes", "/preview logs api.v2-worker_1", { name: "logs", service: "api.v2-worker_1" }],
  ["tab separators and trailing space", "/preview\tlogs\tdb  ", { name: "logs", service: "db" }],
  ["mixed-case verb", "/preview ReSeT", { name: "reset" }],
  ["upper-case keyword and verb", "/PREVIEW DESTROY", { name: "destroy" }],
  ["up to three leading spaces", "   /preview redeploy", { name: "redeploy" }],
  // where a command counts
  ["after other lines", "Looks good to me.\n\n/preview reset\n\nThanks!", { name: "reset" }],
  ["on the line after text in one paragraph", "LGTM\n/preview redeploy", { name: "redeploy" }],
  ["CRLF line endings", "Please refresh.\r\n/preview reset\r\n", { name: "reset" }],
  ["old Mac CR line endings", "hi\r/preview destroy\r", { name: "destroy" }],
  ["only the first command counts", "/preview logs db\n/preview destroy", { name: "logs", service: "db" }],
  ["a help reply wins when it comes first", "/preview deploy-it\n/preview destroy", { name: "help", unknown: "deploy-it" }],
  ["deploy", "/preview deploy", { name: "deploy" }],
  ["deploy with an argument", "/preview deploy now", { name: "help", unknown: "deploy now" }],
  ["after a closed fence", "```\n/preview destroy\n```\n/preview reset", { name: "reset" }],
  ["after a block quote and a blank line", "> /preview destroy\n\n/preview reset", { name: "reset" }],
  ["after a list item holding a fence", "- ```\n  /preview destroy\n  ```\n/preview reset", { name: "reset" }],
  ["when the list item ends, its fence ends", "- ```\n  /preview destroy\n/preview reset", { name: "reset" }],
  ["after an HTML comment", "<!--\n/preview destroy\n-->\n/preview reset", { name: "reset" }],
  ["after a one-line HTML comment", "<!-- note -->\n/preview reset", { name: "reset" }],
  ["after a closed inline code span on an earlier line", "run `x`\n/preview reset", { name: "reset" }],
  ["unmatched backticks are literal", "a ` b\n/preview reset", { name: "reset" }],
  // where it does not
  ["empty comment", "", undefined],
  ["no command", "Nice work, ship it", undefined],
  ["mid-sentence", "Could you run /preview reset please?", undefined],
  ["prefixed by a word", "x/preview reset", undefined],
  ["plural keyword", "/previews reset", undefined],
  ["dash after keyword", "/preview-reset", undefined],
  ["keyword glued to the verb", "/previewreset", undefined],
  ["no-break space after the keyword", "/preview\u00a0reset", undefined],
  ["backtick fence", "```\n/preview destroy\n```", undefined],
  ["long backtick fence closed only by as long a fence", "````md\n```\n/preview destroy\n````", undefined],
  ["tilde fence", "~~~\n/preview destroy\n~~~", undefined],
  ["tilde fence not closed by backticks", "~~~~\n```\n/preview destroy\n~~~~", undefined],
  ["unclosed fence runs to the end", "```sh\necho hi\n/preview destroy", undefined],
  ["fence inside a list item", "1. steps:\n   ```\n   /preview destroy\n   ```", undefined],
  ["indented code after a blank line", "Example:\n\n    /preview destroy", undefined],
  ["four spaces of indentation", "    /preview destroy", undefined],
  ["tab indentation", "\t/preview destroy", undefined],
  ["block quote", "> /preview reset", undefined],
  ["nested block quote", "> > /preview destroy", undefined],
  ["lazy continuation of a block quote", "> you wrote:\n/preview destroy", undefined],
  ["quoted fence", "> ```\n> /preview destroy\n> ```", undefined],
  ["inline code", "`/preview destroy`", undefined],
  ["inline code spanning lines", "Type `\n/preview destroy\n` to wipe it.", undefined],
  ["double-backtick code span spanning lines", "see ``a ` b\n/preview destroy``", undefined],
  ["one-line triple-backtick code span", "```/preview destroy```", undefined],
  ["HTML comment block", "<!--\n/preview destroy\n-->", undefined],
  ["inline HTML comment spanning lines", "hidden <!--\n/preview destroy\n--> text", undefined],
  ["pre block", "<pre>\n/preview destroy\n</pre>", undefined],
  ["Cyrillic er for the Latin p", "/\u0440review reset", undefined],
  ["full-width solidus", "\uff0fpreview reset", undefined],
  ["division slash", "\u2215preview reset", undefined],
  ["zero-width space inside the keyword", "/pre\u200bview reset", undefined],
  ["zero-width space before the keyword", "\u200b/preview reset", undefined],
  ["byte order mark before the keyword", "\ufeff/preview reset", undefined],
  ["escaped slash", "\\/preview reset", undefined],
  ["list item", "- /preview reset", undefined],
  ["heading", "# /preview reset", undefined],
  // what a typo or a trick gives: help with what was typed
  ["unknown verb", "/preview ship", { name: "help", unknown: "ship" }],
  ["extra argument", "/preview reset now", { name: "help", unknown: "reset now" }],
  ["help with arguments", "/preview help me", { name: "help", unknown: "help me" }],
  ["two services", "/preview logs web db", { name: "help", unknown: "logs web db" }],
  ["service name with a slash", "/preview logs ../etc", { name: "help", unknown: "logs ../etc" }],
  ["service name with a shell character", "/preview logs web;rm", { name: "help", unknown: "logs web;rm" }],
  ["code span after the keyword", "/preview `reset`", { name: "help", unknown: "`reset`" }],
  ["zero-width space after the verb", "/preview reset\u200b", { name: "help", unknown: "reset\u200b" }],
  ["Cyrillic letter in the verb", "/preview r\u0435set", { name: "help", unknown: "r\u0435set" }],
  ["long s does not fold to s", "/preview re\u017fet", { name: "help", unknown: "re\u017fet" }],
  ["Kelvin sign does not fold to k", "/preview \u212aill", { name: "help", unknown: "\u212aill" }],
  ["unknown text trimmed to 40 characters", `/preview ${"a".repeat(60)}`, { name: "help", unknown: "a".repeat(40) }],
  [
    "trimming never splits an astral character",
    `/preview ${"\u{1F680}".repeat(45)}`,
    { name: "help", unknown: "\u{1F680}".repeat(40) },
  ],
  ["trimmed text loses its trailing space", `/preview ${"b".repeat(39)} c`, { name: "help", unknown: "b".repeat(39) }],
  ["mention in the unknown text is kept raw", "/preview @org/admins", { name: "help", unknown: "@org/admins" }],
];

describe("parseCommand", () => {
  it("has a corpus of at least 30 bodies", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it.each(corpus)("%s", (_name, body, expected) => {
    expect(parseCommand(body)).toEqual(expected);
  });

  it("finds a command after a long comment", () => {
    const body = `${"lorem ipsum dolor sit amet\n".repeat(2000)}/preview reset`;
    expect(body.length).toBeLessThan(MAX_COMMENT_BYTES);
    expect(parseCommand(body)).toEqual({ name: "reset" });
  });

  it("reads only the first 64 KiB", () => {
    const filler = "x".repeat(MAX_COMMENT_BYTES);
    expect(parseCommand(`${filler}\n/preview reset`)).toBeUndefined();
  });

  it("ignores a command line cut by the 64 KiB limit", () => {
    const head = `${"y".repeat(MAX_COMMENT_BYTES - 18)}\n`;
    const body = `${head}/preview logs web-frontend`;
    // The limit falls right after `web`: a shorter, valid, different service name.
    expect(Buffer.byteLength(`${head}/preview logs web`)).toBe(MAX_COMMENT_BYTES);
    expect(parseCommand(body)).toBeUndefined();
  });

  it("keeps a command line that ends exactly at the limit", () => {
    const command = "/preview destroy";
    const head = `${"z".repeat(MAX_COMMENT_BYTES - command.length - 1)}\n`;
    expect(Buffer.byteLength(head + command)).toBe(MAX_COMMENT_BYTES);
    expect(parseCommand(`${head}${command}\nmore text`)).toEqual({ name: "destroy" });
  });

  it("counts the limit in UTF-8 bytes", () => {
    // 3 bytes each: 22 000 of them are 66 000 bytes but only 22 000 characters.
    const body = `${"\u20ac".repeat(22_000)}\n/preview reset`;
    expect(parseCommand(body)).toBeUndefined();
  });

  it("stays fast on a maximal body of unmatched backticks and comment openers", () => {
    const body = `${"` <!-- ``` ".repeat(6000)}\n/preview reset`;
    expect(parseCommand(body)).toBeUndefined();
    const lines = `${"`a\n".repeat(20_000)}/preview reset`;
    expect(parseCommand(lines)).toEqual({ name: "reset" });
  });
});

describe("COMMANDS", () => {
  it("requires write permission for everything but help", () => {
    expect(COMMANDS.filter((c) => !c.requiresWrite).map((c) => c.name)).toEqual(["help"]);
  });

  it("marks the commands that run the pull request's code", () => {
    expect(COMMANDS.filter((c) => c.deploys).map((c) => c.name)).toEqual(["deploy", "reset", "redeploy", "approve"]);
  });

  it("parses every usage line back to its own command", () => {
    for (const c of COMMANDS) expect(parseCommand(c.usage.replace(/ \[\w+\]$/, ""))).toEqual({ name: c.name });
  });
});

describe("renderHelp", () => {
  it("renders the table from COMMANDS", () => {
    expect(renderHelp()).toBe(
      [
        "| Command | What it does | Who may use it |",
        "| --- | --- | --- |",
        "| `/preview deploy` | Deploys the head commit, whatever the repository's deploy rules (label, branches, bots) say. | write |",
        "| `/preview reset` | Wipes the preview's data, then runs migrate and seed again. | write |",
        "| `/preview redeploy` | Deploys the head commit again, keeping the data. | write |",
        "| `/preview wake` | Wakes a preview that sleeps (`sleep_after`): starts its services again and waits until it answers. | write |",
        "| `/preview destroy` | Deletes the preview now; the next push creates it again. | write |",
        "| `/preview logs [service]` | Replies with the last lines of a service's log (default: the public service), secrets redacted. | write |",
        "| `/preview approve [sha]` | Approves the head commit of a pull request from a fork for deployment (the one berth named, or the given SHA). | write |",
        "| `/preview help` | Shows this table. | anyone |",
        "",
        "Write the command at the start of a line. Commands inside code, quotes or HTML comments are ignored.",
      ].join("\n"),
    );
  });

  it("has one row per command", () => {
    const rows = renderHelp().split("\n").filter((l) => l.startsWith("| `/preview"));
    expect(rows).toHaveLength(COMMANDS.length);
  });
});
