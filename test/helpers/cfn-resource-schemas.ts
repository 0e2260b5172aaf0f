/**
 * CloudFormation resource schemas as cfn-lint ships them (`cfnlint/data/schemas`), reduced to what
 * says whether a resource can be retagged in place: `createOnlyProperties` (a change to one of
 * them replaces the resource) and `tagging`. `test/fixtures/cfn-schemas/resource-tagging.json`
 * keeps the types the preview templates use; `npx tsx scripts/extract-resource-tagging.ts`
 * refreshes it from the cfn-lint installed on the machine.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { planPreview } from "../../src/plan/plan-preview.js";
import { createDirReader } from "../../src/util/repo-reader.js";

/** What one resource type's schema says about its tags. */
export interface ResourceTagging {
  /** JSON pointers of the properties whose change replaces the resource. */
  createOnlyProperties: string[];
  /** The schema's `tagging` block; legacy types have none. */
  tagging?: { taggable?: boolean; tagOnCreate?: boolean; tagUpdatable?: boolean; cloudFormationSystemTags?: boolean; tagProperty?: string };
  /** Whether the type declares a `Tags` property. */
  hasTagsProperty: boolean;
}

export interface ResourceTaggingFile {
  source: string;
  types: Record<string, ResourceTagging>;
}

export const RESOURCE_TAGGING_FILE = path.join(import.meta.dirname, "..", "fixtures", "cfn-schemas", "resource-tagging.json");

/** The committed extract. */
export function readResourceTaggingFile(): ResourceTaggingFile {
  return JSON.parse(readFileSync(RESOURCE_TAGGING_FILE, "utf8")) as ResourceTaggingFile;
}

/** cfn-lint's schema directory and version, or undefined when python3 has no cfnlint. */
export function findCfnLintSchemas(): { dir: string; version: string } | undefined {
  try {
    const out = execFileSync(
      "python3",
      ["-c", "import importlib.metadata as m, importlib.util as u, os; print(m.version('cfn-lint')); print(os.path.join(u.find_spec('cfnlint').submodule_search_locations[0], 'data', 'schemas'))"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
    const [version, dir] = out.trim().split("\n");
    return version && dir && existsSync(dir) ? { dir, version } : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the us-east-1 schemas of the given types from cfn-lint's schema directory. */
export function readCfnLintTagging(dir: string, types: readonly string[]): Record<string, ResourceTagging> {
  const providers = readFileSync(path.join(dir, "providers", "us_east_1.py"), "utf8");
  const files = new Map([...providers.matchAll(/"((?:AWS|Alexa)::[^"]+)": "([0-9a-f]+)"/g)].map((m) => [m[1]!, m[2]!]));
  const out: Record<string, ResourceTagging> = {};
  for (const type of [...types].sort()) {
    const file = files.get(type);
    if (!file) throw new Error(`cfn-lint has no us-east-1 schema for ${type}`);
    const schema = JSON.parse(readFileSync(path.join(dir, "resources", `${file}.json`), "utf8")) as {
      createOnlyProperties?: string[];
      tagging?: ResourceTagging["tagging"];
      properties?: Record<string, unknown>;
    };
    out[type] = {
      createOnlyProperties: [...(schema.createOnlyProperties ?? [])].sort(),
      ...(schema.tagging ? { tagging: schema.tagging } : {}),
      hasTagsProperty: schema.properties?.Tags !== undefined,
    };
  }
  return out;
}

const REPOS = path.join(import.meta.dirname, "..", "fixtures", "repos");

/** Every resource type a preview template of the fixture repositories declares. */
export async function previewTemplateTypes(): Promise<string[]> {
  const dirs = readdirSync(REPOS).flatMap((name) =>
    name === "real-world" ? readdirSync(path.join(REPOS, name)).map((n) => path.join(REPOS, name, n)) : [path.join(REPOS, name)],
  );
  const types = new Set<string>();
  for (const dir of dirs) {
    const target = { owner: "acme", repo: path.basename(dir), pr: 42, sha: "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e" };
    // A fixture whose files berth rejects on purpose renders no template.
    const plan = await planPreview({ reader: createDirReader(dir), target, baseStack: "berth-base" }).catch(() => undefined);
    const resources = (plan?.stack.template as { Resources?: Record<string, { Type: string }> } | undefined)?.Resources ?? {};
    for (const r of Object.values(resources)) types.add(r.Type);
  }
  return [...types].sort();
}
