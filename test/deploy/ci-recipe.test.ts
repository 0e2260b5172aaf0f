import { readFileSync } from "node:fs";
import { NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { lintTemplate } from "../helpers/cfn-lint.js";

const WORKFLOW = readFileSync(new URL("../../docs/ci/preview-images.yml", import.meta.url), "utf8");
const ROLE = readFileSync(new URL("../../docs/ci/image-push-role.yml", import.meta.url), "utf8");

interface Step {
  uses?: string;
  with?: Record<string, string>;
  run?: string;
}

describe("the CI recipe (docs/ci)", () => {
  it("is a workflow GitHub's own parser accepts without errors", () => {
    const result = parseWorkflow({ name: "preview-images.yml", content: WORKFLOW }, new NoOperationTraceWriter());

    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(result.value).toBeDefined();
  });

  const workflow = parse(WORKFLOW) as {
    on: { pull_request: unknown };
    permissions: Record<string, string>;
    jobs: Record<string, { steps: Step[]; strategy: { matrix: { include: Array<Record<string, string>> } } }>;
  };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const build = steps.find((s) => s.uses?.startsWith("docker/build-push-action@"))!;

  it("pushes with an OIDC role, never with stored keys", () => {
    expect(workflow.permissions).toEqual({ "id-token": "write", contents: "read" });
    const credentials = steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))!;
    expect(credentials.with).toHaveProperty("role-to-assume");
    expect(WORKFLOW).not.toMatch(/aws-access-key-id|aws-secret-access-key|secrets\.AWS/);
  });

  it("builds the pull request's head and tags it with the full SHA berth looks for", () => {
    expect(steps.find((s) => s.uses?.startsWith("actions/checkout@"))!.with!.ref).toBe("${{ github.event.pull_request.head.sha }}");
    const tags = steps.find((s) => s.run?.includes("GITHUB_OUTPUT"))!;
    expect(tags.run).toContain('echo "$IMAGE:$SHA"');
    expect(build.with!.tags).toBe("${{ steps.tags.outputs.tags }}");
    expect(build.with!.push).toBe(true);
  });

  it("keeps BuildKit's layer cache in ECR, one per service, in the form ECR accepts", () => {
    expect(build.with!["cache-from"]).toMatch(/^type=registry,ref=.*:buildcache-\$\{\{ matrix\.service \}\}$/);
    expect(build.with!["cache-to"]).toMatch(/^type=registry,ref=.*:buildcache-\$\{\{ matrix\.service \}\},mode=max,image-manifest=true,oci-mediatypes=true$/);
    expect(Object.values(workflow.jobs)[0]!.strategy.matrix.include.every((entry) => entry.service && entry.context && entry.dockerfile)).toBe(true);
  });

  it("gives the role a lint-clean template that lets only pull-request runs of the named repositories push", async () => {
    expect(await lintTemplate(ROLE, "image-push-role")).toEqual([]);
    expect(ROLE).toContain("token.actions.githubusercontent.com:sub: !Sub repo:${GitHubOrg}/${GitHubRepository}:pull_request");
    expect(ROLE).toContain("token.actions.githubusercontent.com:aud: sts.amazonaws.com");
  });
});
