import { z } from "zod";
import { RepoConfigSchema } from "./schema.js";

/** The JSON Schema's `$id`: a stable name for editors and validators, not a download location. */
export const CONFIG_SCHEMA_ID = "urn:berth:schema:preview-config";

/** Where the generated JSON Schema is committed, relative to the repository root. */
export const CONFIG_SCHEMA_PATH = "schema/preview.schema.json";

/**
 * The JSON Schema (draft 2020-12) of `.github/preview.yml`, generated from RepoConfigSchema as
 * written by users (defaults shown, transforms not applied). Checks that only code can make (image
 * placeholders, a variable in both `environment` and `secrets`) are not part of it.
 */
export function buildConfigJsonSchema(): Record<string, unknown> {
  const { $schema, title, description, ...rest } = z.toJSONSchema(RepoConfigSchema, { io: "input", target: "draft-2020-12" });
  return { $schema, $id: CONFIG_SCHEMA_ID, title, description, ...rest };
}

/** The JSON Schema as the committed file holds it: two-space indentation and a final newline. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(buildConfigJsonSchema(), null, 2)}\n`;
}
