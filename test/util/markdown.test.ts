import { describe, expect, it } from "vitest";
import { codeBlock, codeFence, escapeMarkdown, inlineCode, isSafeUrl, markdownLink, stripInvisible, truncate, truncateUtf8 } from "../../src/util/markdown.js";

const ZWSP = "&#8203;";

describe("escapeMarkdown", () => {
  it.each([
    ["plain text", "feature/login-page", "feature/login-page"],
    ["a mention", "thanks @octocat!", `thanks @${ZWSP}octocat\\!`],
    ["a team mention", "cc @acme/security", `cc @${ZWSP}acme/security`],
    ["a mention at the start", "@everyone", `@${ZWSP}everyone`],
    ["an e-mail address", "ops@example.com", `ops@${ZWSP}example.com`],
    ["a lone at sign", "a @ b", "a @ b"],
    ["an issue reference", "fixes #12", `fixes \\#${ZWSP}12`],
    ["a cross-repo reference", "see acme/shop#3", `see acme/shop\\#${ZWSP}3`],
    ["a GH- reference", "GH-42 and gh-7", `GH-${ZWSP}42 and gh-${ZWSP}7`],
    ["a hash without number", "C# rocks", "C\\# rocks"],
    ["HTML", "<script>alert(1)</script>", "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"],
    ["an HTML comment", "<!-- berth:preview -->", "&lt;\\!-- berth:preview --&gt;"],
    ["an entity", "&lt; &#64;", `&amp;lt; &amp;\\#${ZWSP}64;`],
    ["a link", "[click](https://evil.example)", "\\[click\\]\\(https://evil.example\\)"],
    ["an image", "![x](https://t.example/p.png)", "\\!\\[x\\]\\(https://t.example/p.png\\)"],
    ["emphasis", "*bold* _it_ **b**", "\\*bold\\* \\_it\\_ \\*\\*b\\*\\*"],
    ["code", "`rm -rf`", "\\`rm -rf\\`"],
    ["strikethrough", "~~gone~~", "\\~\\~gone\\~\\~"],
    ["math", "$x^2$", "\\$x^2\\$"],
    ["a table pipe", "a | b", "a \\| b"],
    ["a backslash", "C:\\temp", "C:\\\\temp"],
    ["a heading", "# Title", "\\# Title"],
    ["a quote", "> quoted", "&gt; quoted"],
    ["a bullet", "- item", "\\- item"],
    ["a plus bullet", "+ item", "\\+ item"],
    ["a star bullet", "* item", "\\* item"],
    ["an ordered item", "1. first", "1\\. first"],
    ["an ordered item with paren", "2) second", "2\\) second"],
    ["a hyphen inside", "a - b", "a - b"],
    ["a thematic break", "---", "\\---"],
    ["a setext underline", "=== x", "\\=== x"],
    ["a version", "v1.2.3", "v1.2.3"],
    ["line breaks", "one\ntwo\r\nthree\rfour", "one two three four"],
    ["blanks around line breaks", "one  \n  two", "one two"],
    ["unicode line separators", "a\u2028b\u2029c\u0085d", "a b c d"],
    ["a tab", "a\tb", "a b"],
    ["a new list after a line break", "ok\n- item", "ok - item"],
    ["non-Latin text", "修复 ошибку تصحيح", "修复 ошибку تصحيح"],
    ["emoji with joiners", "👩‍💻 ship it 🚀", "👩‍💻 ship it 🚀"],
    ["a right-to-left override", "invoice\u202Egnp.exe", "invoicegnp.exe"],
    ["isolates and marks", "\u2067a\u2069\u200Eb\u200F\u061C", "ab"],
    ["zero-width space in a mention", "@\u200Boctocat", `@${ZWSP}octocat`],
    ["word joiner and BOM", "\uFEFFa\u2060b", "ab"],
    ["a soft hyphen", "in\u00ADvisible", "invisible"],
    ["control characters", "a\u0000b\u0007c\u001Bd\u009Be", "abcde"],
    ["the empty string", "", ""],
  ])("%s", (_case, input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });

  it.each([
    "@octocat",
    "hi @a-b_c",
    "x\u200D@octocat",
    "<img src=x onerror=alert(1)>",
    "line\n# heading\n> quote",
  ])("leaves no live mention, tag or line break in %j", (input) => {
    const out = escapeMarkdown(input);
    expect(out).not.toMatch(/@[\p{L}\p{N}_-]/u);
    expect(out).not.toMatch(/[<>\n]/);
  });
});

describe("inlineCode", () => {
  it.each([
    ["plain", "npm test", "`npm test`"],
    ["one backtick", "a`b", "``a`b``"],
    ["a run of three", "a```b", "````a```b````"],
    ["leading backtick", "`x", "`` `x ``"],
    ["trailing backtick", "x`", "`` x` ``"],
    ["spaces both sides", " x ", "`  x  `"],
    ["a mention stays literal", "@octocat", "`@octocat`"],
    ["line breaks", "a\nb", "`a b`"],
    ["bidi controls removed", "a\u202Eb", "`ab`"],
    ["empty", "", "` `"],
  ])("%s", (_case, input, expected) => {
    expect(inlineCode(input)).toBe(expected);
  });
});

describe("codeFence", () => {
  it.each([
    ["no backticks", "log line", "```"],
    ["a short run", "``", "```"],
    ["a fence inside", "```\nend", "````"],
    ["a longer fence", "x ````` y", "``````"],
  ])("%s", (_case, input, expected) => {
    expect(codeFence(input)).toBe(expected);
  });
});

describe("truncate", () => {
  it.each([
    ["shorter", "abc", 5, "abc"],
    ["exact", "abcde", 5, "abcde"],
    ["longer", "abcdef", 5, "abcd…"],
    ["astral code points count once", "😀😀😀😀😀😀", 4, "😀😀😀…"],
    ["never splits a surrogate pair", "a😀b", 2, "a…"],
    ["accented", "éééé", 3, "éé…"],
    ["max 1", "abc", 1, "…"],
    ["max 0", "abc", 0, ""],
  ])("%s", (_case, input, max, expected) => {
    expect(truncate(input, max)).toBe(expected);
  });
});

describe("truncateUtf8", () => {
  it.each([
    ["fits", "abc", 3, "abc"],
    ["cut with marker", "abcdef", 5, "ab…"],
    ["multi-byte not split", "ééé", 5, "é…"],
    ["astral not split", "😀😀", 6, "…"],
    ["marker too long", "abcdef", 2, ""],
  ])("%s", (_case, input, max, expected) => {
    const out = truncateUtf8(input, max);
    expect(out).toBe(expected);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(max);
  });

  it("uses the given marker", () => {
    expect(truncateUtf8("x".repeat(30), 20, "\n…(truncated)")).toBe("xxxxx\n…(truncated)");
  });
});

describe("stripInvisible", () => {
  it("keeps joiners that scripts and emoji need", () => {
    expect(stripInvisible("\u200C\u200D")).toBe("\u200C\u200D");
  });
});

describe("codeBlock", () => {
  it.each([
    ["plain lines", ["a", "b"], "", "```\na\nb\n```"],
    ["a language", ["x"], "text", "```text\nx\n```"],
    ["a fence in the log", ["```", "rm"], "", "````\n```\nrm\n````"],
    ["ANSI colours", ["\u001b[1;31merror\u001b[0m done"], "", "```\nerror done\n```"],
    ["an OSC hyperlink", ["\u001b]8;;https://x\u0007link\u001b]8;;\u0007"], "", "```\nlink\n```"],
    ["bidi and control characters", ["a\u202Eb\u0000c"], "", "```\nabc\n```"],
    ["a line break inside a line", ["a\nb"], "", "```\na b\n```"],
    ["mentions and HTML kept literal", ["@octocat <b>"], "", "```\n@octocat <b>\n```"],
  ])("%s", (_case, lines, language, expected) => {
    expect(codeBlock(lines, language)).toBe(expected);
  });
});

describe("markdownLink", () => {
  it.each([
    ["a URL", "https://pr-1.preview.example.com", undefined, "[https://pr-1.preview.example.com](<https://pr-1.preview.example.com>)"],
    ["a label", "https://x.example/a_(b)", "check *run*", "[check \\*run\\*](<https://x.example/a_(b)>)"],
    ["javascript:", "javascript:alert(1)", "click", "click"],
    ["a URL with a space", "https://x.example/a b", "x", "x"],
    ["a URL closing the bracket", "https://x.example/>", undefined, "https://x.example/&gt;"],
    ["a relative URL", "/runs/1", "run", "run"],
  ])("%s", (_case, url, text, expected) => {
    expect(markdownLink(url, text)).toBe(expected);
  });

  it.each([
    ["https://a.example/p?q=1#f", true],
    ["http://a.example", true],
    ["ftp://a.example", false],
    ["https://a.example/\u202E", false],
    ["https://a.example/\"x", false],
    ["https://", false],
  ])("isSafeUrl(%j) is %s", (url, safe) => {
    expect(isSafeUrl(url)).toBe(safe);
  });
});
