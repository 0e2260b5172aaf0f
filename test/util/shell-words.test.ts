import { describe, expect, it } from "vitest";
import { ShellWordsError, splitShellWords } from "../../src/util/shell-words.js";

describe("splitShellWords", () => {
  it.each([
    { command: "npm start", words: ["npm", "start"] },
    { command: "  lots   of\tblanks\n", words: ["lots", "of", "blanks"] },
    { command: 'bash -c "bundle exec puma -C config/puma.rb"', words: ["bash", "-c", "bundle exec puma -C config/puma.rb"] },
    { command: "sh -c 'echo $HOME && ls'", words: ["sh", "-c", "echo $HOME && ls"] },
    { command: 'echo "it\'s"', words: ["echo", "it's"] },
    { command: "echo 'say \"hi\"'", words: ["echo", 'say "hi"'] },
    { command: 'a "" b', words: ["a", "", "b"] },
    { command: "a ''", words: ["a", ""] },
    { command: "one\\ word", words: ["one word"] },
    { command: 'x "a\\"b"', words: ["x", 'a"b'] },
    { command: "x 'a\\b'", words: ["x", "a\\b"] },
    { command: "pre'fix'\"ed\"", words: ["prefixed"] },
    { command: "echo $VAR ${OTHER}", words: ["echo", "$VAR", "${OTHER}"] },
    { command: "echo $(date +%s) `id -u`", words: ["echo", "$(date +%s)", "`id -u`"] },
    { command: "", words: [] },
  ])("$command", ({ command, words }) => {
    expect(splitShellWords(command)).toEqual(words);
  });

  it.each([
    { command: 'echo "open', message: `unbalanced " quote in command: echo "open` },
    { command: "echo 'open", message: "unbalanced ' quote in command: echo 'open" },
    { command: "echo trailing\\", message: "trailing backslash in command: echo trailing\\" },
    { command: "echo `open", message: "unbalanced ` in command: echo `open" },
    { command: "echo (x)", message: 'unquoted "(" in command: echo (x)' },
    {
      command: "npm run migrate && npm start",
      message: 'unquoted shell operator "&" in command: npm run migrate && npm start; there is no shell, so write it as sh -c "..." or as a list',
    },
    {
      command: "cat a | grep b",
      message: 'unquoted shell operator "|" in command: cat a | grep b; there is no shell, so write it as sh -c "..." or as a list',
    },
  ])("refuses $command", ({ command, message }) => {
    expect(() => splitShellWords(command)).toThrow(ShellWordsError);
    expect(() => splitShellWords(command)).toThrow(message);
  });
});
