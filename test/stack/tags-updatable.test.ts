import { describe, expect, it } from "vitest";
import { getHandlerPermissions } from "../../src/iam/handler-permissions.js";
import { findCfnLintSchemas, previewTemplateTypes, readCfnLintTagging, readResourceTaggingFile } from "../helpers/cfn-resource-schemas.js";

/**
 * Stack updates that change only the stack's tags (a redeploy's, or the one that names the commit
 * that served again after a failed rollout check, src/preview/flow/deploy-preview.ts) are
 * propagated by CloudFormation to every taggable resource. Such an update must retag in place: no resource type of a preview template may list its tags among its
 * `createOnlyProperties` (a change there replaces the resource: a new task definition revision, a
 * new target group), per AWS's resource schemas as cfn-lint ships them.
 */

const FILE = readResourceTaggingFile();
const TYPES = await previewTemplateTypes();
const cfnLint = findCfnLintSchemas();

describe("tags of the preview template's resources, per CloudFormation's resource schemas", () => {
  it("has a schema extract for every resource type a preview template uses", () => {
    expect(TYPES.length).toBeGreaterThan(0);
    expect(TYPES.filter((t) => FILE.types[t] === undefined)).toEqual([]);
  });

  it.each(TYPES)("%s takes a tag change in place, or takes no stack tags at all", (type) => {
    const schema = FILE.types[type]!;
    const taggable = schema.tagging?.taggable ?? schema.hasTagsProperty;
    if (!taggable) {
      // CloudFormation propagates stack tags only to resources that take tags.
      expect(schema.hasTagsProperty).toBe(false);
      return;
    }
    const tagProperty = schema.tagging?.tagProperty ?? "/properties/Tags";
    expect(schema.createOnlyProperties).not.toContain(tagProperty);
    expect(schema.tagging?.tagUpdatable ?? true).toBe(true);
  });

  it.each(TYPES)("%s: the tagging facts berth's IAM model and AWS fake use agree with the schema", (type) => {
    const schema = FILE.types[type]!;
    const facts = getHandlerPermissions(type).tagging;
    expect(facts.taggable).toBe(schema.tagging?.taggable ?? schema.hasTagsProperty);
    expect(facts.tagUpdatable).toBe(schema.tagging?.tagUpdatable ?? !schema.createOnlyProperties.includes("/properties/Tags"));
  });

  // cfn-lint comes with the machine image's python3; without it the committed extract stands alone.
  it.skipIf(cfnLint === undefined)("the extract is what the installed cfn-lint ships (else run scripts/extract-resource-tagging.ts)", () => {
    expect(readCfnLintTagging(cfnLint!.dir, TYPES)).toEqual(Object.fromEntries(TYPES.map((t) => [t, FILE.types[t]])));
  });
});
