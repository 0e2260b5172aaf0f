/**
 * Writes test/fixtures/cfn-schemas/resource-tagging.json: the createOnlyProperties and tagging of
 * every resource type the fixture repositories' preview templates use, from the CloudFormation
 * resource schemas of the cfn-lint installed for python3 (`pip install cfn-lint`).
 */
import { writeFileSync } from "node:fs";
import { findCfnLintSchemas, previewTemplateTypes, readCfnLintTagging, RESOURCE_TAGGING_FILE } from "../test/helpers/cfn-resource-schemas.js";

const cfnLint = findCfnLintSchemas();
if (!cfnLint) throw new Error("python3 has no cfn-lint: pip install cfn-lint");
const types = await previewTemplateTypes();
const file = { source: `cfn-lint ${cfnLint.version}, data/schemas (us-east-1)`, types: readCfnLintTagging(cfnLint.dir, types) };
writeFileSync(RESOURCE_TAGGING_FILE, `${JSON.stringify(file, null, 2)}\n`);
console.log(`wrote ${types.length} resource types to ${RESOURCE_TAGGING_FILE}`);
