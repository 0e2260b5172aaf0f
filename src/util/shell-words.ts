import { BerthError } from "../errors.js";

/** A command string that cannot be split into words. */
export class ShellWordsError extends BerthError {}

/**
 * Splits a command string into words like compose-go does for `command:` and `entrypoint:`
 * (mattn/go-shellwords, no environment or backtick expansion): blanks separate words, single
 * quotes keep everything literally, double quotes keep blanks, a backslash outside single
 * quotes takes the next character literally, `""` is an empty word, and `` `...` `` and
 * `$(...)` are kept as text. There is no shell: `$VAR` stays as written.
 *
 * Where go-shellwords silently stops at an unquoted `;`, `&`, `|`, `<` or `>` (so Compose would
 * run only the words before it), this throws: the rest of the command would be lost.
 * An unbalanced quote, backtick or parenthesis also throws ShellWordsError.
 */
export function splitShellWords(command: string): string[] {
  const words: string[] = [];
  let word = "";
  let got = false;
  let escaped = false;
  let single = false;
  let double = false;
  let backtick = false;
  let dollarParen = false;

  for (const c of command) {
    if (escaped) {
      word += c;
      got = true;
      escaped = false;
      continue;
    }
    if (c === "\\" && !single) {
      escaped = true;
      continue;
    }
    const quoted = single || double || backtick || dollarParen;
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      if (quoted) word += c;
      else if (got) {
        words.push(word);
        word = "";
        got = false;
      }
      continue;
    }
    if (c === "'" && !double && !backtick && !dollarParen) {
      single = !single;
      got = true;
      continue;
    }
    if (c === '"' && !single && !backtick && !dollarParen) {
      double = !double;
      got = true;
      continue;
    }
    if (!single && !double) {
      if (c === "`" && !dollarParen) backtick = !backtick;
      else if (c === "(" && !backtick) {
        if (dollarParen || !word.endsWith("$")) {
          throw new ShellWordsError(`unquoted "(" in command: ${command}`);
        }
        dollarParen = true;
      } else if (c === ")" && !backtick) {
        if (!dollarParen) throw new ShellWordsError(`unbalanced ")" in command: ${command}`);
        dollarParen = false;
      } else if (";&|<>".includes(c) && !quoted) {
        throw new ShellWordsError(
          `unquoted shell operator "${c}" in command: ${command}; ` +
            `there is no shell, so write it as sh -c "..." or as a list`,
        );
      }
    }
    word += c;
    got = true;
  }

  if (escaped) throw new ShellWordsError(`trailing backslash in command: ${command}`);
  if (single || double) throw new ShellWordsError(`unbalanced ${single ? "'" : '"'} quote in command: ${command}`);
  if (backtick || dollarParen) throw new ShellWordsError(`unbalanced ${backtick ? "`" : "$("} in command: ${command}`);
  if (got) words.push(word);
  return words;
}
