/** Writes schema/preview.schema.json from RepoConfigSchema (`npm run schema`). */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CONFIG_SCHEMA_PATH, renderConfigJsonSchema } from "../src/config/build-config-json-schema.js";

const target = fileURLToPath(new URL(`../${CONFIG_SCHEMA_PATH}`, import.meta.url));
writeFileSync(target, renderConfigJsonSchema());
console.log(`wrote ${CONFIG_SCHEMA_PATH}`);
