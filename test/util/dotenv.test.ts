import { describe, expect, it } from "vitest";
import { DotenvError, parseDotenv } from "../../src/util/dotenv.js";

describe("parseDotenv", () => {
  it.each([
    { name: "plain pair", text: "A=1", expected: { A: "1" } },
    { name: "export prefix", text: "export A=1\nexport  B=2", expected: { A: "1", B: "2" } },
    { name: "yaml-style colon", text: "A: 1", expected: { A: "1" } },
    { name: "comments and blank lines", text: "# top\n\n  # indented\nA=1\n", expected: { A: "1" } },
    { name: "unquoted value trimmed", text: "A=   spaced value   ", expected: { A: "spaced value" } },
    { name: "inline comment after a blank", text: "A=value # note", expected: { A: "value" } },
    { name: "hash without blank stays", text: "A=va#lue", expected: { A: "va#lue" } },
    { name: "empty value", text: "A=\nB=", expected: { A: "", B: "" } },
    { name: "single quotes literal", text: "A='x\\ny $B # z'", expected: { A: "x\\ny $B # z" } },
    { name: "double quote escapes", text: 'A="l1\\nl2 \\"q\\" back\\\\slash"', expected: { A: 'l1\nl2 "q" back\\slash' } },
    { name: "double quotes keep inline hash", text: 'A="a # b" # comment', expected: { A: "a # b" } },
    { name: "multi-line double quotes", text: 'A="one\ntwo"\nB=3', expected: { A: "one\ntwo", B: "3" } },
    { name: "expansion from earlier keys", text: "A=x\nB=${A}-$A\nC=\"$A\"\nD='$A'", expected: { A: "x", B: "x-x", C: "x", D: "$A" } },
    { name: "escaped dollar in double quotes", text: 'A="\\$HOME"', expected: { A: "$HOME" } },
    { name: "unknown variable expands to empty", text: "A=${NOPE}x", expected: { A: "x" } },
    { name: "key without = is left out", text: "A\nB=1\nC", expected: { B: "1" } },
    { name: "dots and dashes in keys", text: "a.b-c=1", expected: { "a.b-c": "1" } },
    { name: "CRLF line ends", text: "A=1\r\nB=2\r\n", expected: { A: "1", B: "2" } },
    { name: "later key wins", text: "A=1\nA=2", expected: { A: "2" } },
    { name: "value with =", text: "URL=postgres://u:p@db/x?a=b", expected: { URL: "postgres://u:p@db/x?a=b" } },
  ])("$name", ({ text, expected }) => {
    expect(parseDotenv(text)).toEqual(expected);
  });

  it("takes bare keys and unknown variables from the lookup only", () => {
    const lookup = (name: string) => ({ HOST: "db", PORT: "5432" })[name];
    expect(parseDotenv("HOST\nURL=$HOST:${PORT}\nMISSING", { lookup })).toEqual({ HOST: "db", URL: "db:5432" });
  });

  it.each([
    { name: "bad character in key", text: "A=1\nB@C=2", line: 2, message: 'line 2: unexpected character "@" in variable name "B@C=2"' },
    { name: "space in key", text: "MY KEY=1", line: 1, message: 'line 1: variable name "MY KEY" cannot contain a space' },
    { name: "missing key", text: "\n=1", line: 2, message: "line 2: missing variable name before the =" },
    { name: "unterminated double quote", text: 'A=1\nB="abc\nC=2', line: 2, message: 'line 2: unterminated quoted value "abc' },
    { name: "unterminated single quote", text: "A='abc", line: 1, message: "line 1: unterminated quoted value 'abc" },
    { name: "text after closing quote", text: 'A="a" b', line: 1, message: "line 1: unexpected text after the closing quote of A: b" },
    { name: "invalid template", text: "A=1\nB=${", line: 2, message: 'line 2: invalid interpolation format in "${": write a literal $ as $$' },
  ])("refuses $name", ({ text, line, message }) => {
    let error: unknown;
    try {
      parseDotenv(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DotenvError);
    expect((error as DotenvError).line).toBe(line);
    expect((error as DotenvError).message).toBe(message);
  });
});
