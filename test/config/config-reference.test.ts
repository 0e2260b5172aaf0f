import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseRepoConfig } from "../../src/config/parse-repo-config.js";
import { RepoConfigSchema } from "../../src/config/schema.js";
import { PREVIEW_PLACEHOLDERS } from "../../src/config/preview-placeholders.js";
import { IMAGE_PLACEHOLDERS } from "../../src/config/resolve-image.js";
import { parseYamlSource } from "../../src/util/yaml-source.js";

const doc = readFileSync(new URL("../../docs/config-reference.md", import.meta.url), "utf8");

/** The fenced blocks of one `###` section, by language. */
function blocks(heading: string, language: string): string[] {
  const section = doc.split(/^### /m).find((s) => s.startsWith(heading)) ?? "";
  return [...section.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1] ?? "");
}

describe("docs/config-reference.md", () => {
  it("lists every key of the schema in its table", () => {
    const listed = [...doc.matchAll(/^\| \[`([a-z_.]+)/gm)].map((m) => m[1]!.split(".")[0]);
    expect([...new Set(listed)]).toStrictEqual(Object.keys(RepoConfigSchema.shape));
  });

  it.each([
    ["Image placeholders", IMAGE_PLACEHOLDERS],
    ["Environment placeholders", PREVIEW_PLACEHOLDERS],
  ])("documents every placeholder: %s", (heading, placeholders) => {
    const section = doc.split(/^#### /m).find((s) => s.startsWith(heading)) ?? "";
    const documented = [...section.matchAll(/^\| `\{([a-z_]+)\}` \|/gm)].map((m) => m[1]);
    expect(documented).toStrictEqual([...placeholders]);
  });

  it("shows the errors berth really reports for its example", () => {
    const [yaml] = blocks("When the file is wrong", "yaml");
    const [expected] = blocks("When the file is wrong", "text");
    let message: string | undefined;
    try {
      parseRepoConfig(parseYamlSource(".github/preview.yml", yaml ?? ""));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(expected?.trimEnd());
  });

  it("has examples that berth accepts", () => {
    const examples = doc.split(/^### /m).flatMap((section) => blocks(section.split("\n")[0] ?? "", "yaml"));
    const valid = examples.filter((yaml) => !yaml.includes("hunter2"));
    expect(valid.length).toBeGreaterThanOrEqual(7);
    for (const yaml of valid) expect(() => parseRepoConfig(parseYamlSource(".github/preview.yml", yaml)), yaml).not.toThrow();
  });
});
