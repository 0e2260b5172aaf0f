/**
 * One cfn-lint engine for the whole test run, behind HTTP on 127.0.0.1. Building the engine
 * (the official rules and every resource schema, in WASM) costs 13-20 s of CPU; each test file
 * ran in a fresh worker, so a per-file engine paid that once per file that linted. Run as a child
 * process by `cfn-lint-global-setup.ts`; it sends its URL to the parent once it listens, then
 * builds the engine at once, on the core the test worker leaves free, so that it is ready when
 * the first file that lints gets there; a run that ends sooner stops it unused.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { RegoEngine, type StandardDiagnostic, type TemplateFile } from "@aws/cloudformation-validate";

/** What `lintTemplate` posts: the template as JSON, or YAML text, and a name for messages. */
export interface LintRequest {
  template: object | string;
  name: string;
}

let engine: InstanceType<typeof RegoEngine> | undefined;

/** The findings at ERROR or above, formatted `RULE resource.path: message`. */
function lint({ template, name }: LintRequest): string[] {
  engine ??= new RegoEngine();
  const isYaml = typeof template === "string";
  const bytes = Buffer.from(isYaml ? template : JSON.stringify(template, null, 2));
  // The engine reads the template through `readBytes`; the name's extension tells it the format.
  const file: TemplateFile = { path: `${name}.${isYaml ? "yaml" : "json"}`, readBytes: () => bytes };
  const report = engine.validateStandard(file, { severityLevel: "ERROR" });
  if (report.status === "ERROR") return [`pipeline error for ${name}`];
  return report.diagnostics.map(formatFinding);
}

function formatFinding(d: StandardDiagnostic): string {
  const where = [d.entity?.logicalId, d.propertyPath].filter(Boolean).join(".");
  return `${d.ruleId} ${where}: ${d.message}`;
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    try {
      const findings = lint(JSON.parse(Buffer.concat(chunks).toString("utf8")) as LintRequest);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(findings));
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" }).end(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
  });
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ url: `http://127.0.0.1:${port}/` });
  // Requests that arrive meanwhile wait in the socket's backlog. Should the build fail, lint()
  // builds again and answers the request that needs the engine with the error.
  setImmediate(() => {
    try {
      engine ??= new RegoEngine();
    } catch {
      engine = undefined;
    }
  });
});
// Ends with the test run, also when the run is killed without a teardown.
process.on("disconnect", () => process.exit(0));
