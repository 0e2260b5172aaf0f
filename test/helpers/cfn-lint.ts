import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RegoEngine, TemplateFile, type StandardDiagnostic } from "@aws/cloudformation-validate";

let engine: InstanceType<typeof RegoEngine> | undefined;

/**
 * Runs the official cfn-lint rules (WASM) over a template and returns the findings at ERROR
 * or above, formatted `RULE resource.path: message` so a failing assertion says what is wrong.
 */
export function lintTemplate(template: object | string, name = "template"): string[] {
  engine ??= new RegoEngine();
  const dir = mkdtempSync(path.join(tmpdir(), "berth-lint-"));
  try {
    const isYaml = typeof template === "string";
    const file = path.join(dir, `${name}.${isYaml ? "yaml" : "json"}`);
    writeFileSync(file, isYaml ? template : JSON.stringify(template, null, 2));
    const report = engine.validateStandard(new TemplateFile(file), { severityLevel: "ERROR" });
    if (report.status === "ERROR") return [`pipeline error for ${name}`];
    return report.diagnostics.map(formatFinding);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function formatFinding(d: StandardDiagnostic): string {
  const where = [d.entity?.logicalId, d.propertyPath].filter(Boolean).join(".");
  return `${d.ruleId} ${where}: ${d.message}`;
}
