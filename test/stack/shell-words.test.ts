import { describe, expect, it } from "vitest";
import { splitShellWords } from "../../src/stack/shell-words.js";

describe("splitShellWords", () => {
  it.each([
    { line: "bin/rails db:migrate", words: ["bin/rails", "db:migrate"] },
    { line: "  python   manage.py\tmigrate --noinput ", words: ["python", "manage.py", "migrate", "--noinput"] },
    { line: `sh -c 'echo "$HOME" && exit 0'`, words: ["sh", "-c", 'echo "$HOME" && exit 0'] },
    { line: `echo "a \\"b\\" \\$c \\n"`, words: ["echo", 'a "b" $c \\n'] },
    { line: "echo a\\ b", words: ["echo", "a b"] },
    { line: `echo ''`, words: ["echo", ""] },
    { line: `ab"c d"'e f'`, words: ["abc de f"] },
    { line: "rake \\\n db:seed", words: ["rake", "db:seed"] },
    { line: "", words: [] },
  ])("$line", ({ line, words }) => {
    expect(splitShellWords(line)).toEqual(words);
  });

  it.each([`echo 'open`, `echo "open`, "echo \\"])("refuses %s", (line) => {
    expect(splitShellWords(line)).toBeUndefined();
  });
});
