/**
 * Splits a command line into words as a POSIX shell would before running it: whitespace separates
 * words, single quotes keep everything literal, double quotes keep everything but `\"`, `\\`,
 * `\$` and `` \` `` literal, a backslash outside quotes escapes the next character. Nothing is
 * expanded. Returns undefined for an unterminated quote or a trailing backslash.
 */
export function splitShellWords(line: string): string[] | undefined {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) return undefined;
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j += 1) {
        const next = line[j + 1];
        if (line[j] === "\\" && next !== undefined && '"\\$`'.includes(next)) {
          word += next;
          j += 1;
        } else {
          word += line[j];
        }
      }
      if (j >= line.length) return undefined;
      inWord = true;
      i = j;
    } else if (c === "\\") {
      const next = line[i + 1];
      if (next === undefined) return undefined;
      // A backslash-newline is a line continuation, not a character.
      if (next !== "\n") {
        word += next;
        inWord = true;
      }
      i += 1;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
