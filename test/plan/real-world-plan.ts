import path from "node:path";
import { expect } from "vitest";
import { runCli } from "../../src/cli/index.js";
import { lintTemplate } from "../helpers/cfn-lint.js";

/**
 * How the real-world tests plan a fixture repository: through `berth plan --json`, as a user runs it,
 * and how they read the plan (services as the Services table shows them, warnings counted by code).
 */
export const REPOS = path.join(import.meta.dirname, "..", "fixtures", "repos", "real-world");
export const SHA = "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e";
export const INLINE_TEMPLATE_LIMIT = 51_200;
export const lib = (image: string) => `public.ecr.aws/docker/library/${image}`;

interface PlannedService {
  name: string;
  image: string;
  runs: "service" | "one-shot";
  public: boolean;
  port?: number;
}
export interface Plan {
  stackName: string;
  services: PlannedService[];
  release: Array<{ name: string; service?: string; command?: string[] }>;
  warnings: string[];
  template: object;
}

export async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

export const planArgs = (repo: string) => ["plan", path.join(REPOS, repo), "--repo", `acme/${repo}`, "--pr", "42", "--sha", SHA];

export async function plan(repo: string): Promise<Plan> {
  const result = await cli([...planArgs(repo), "--json"]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Plan;
}

/** `name image [port N (public)|one-shot]`, the way the plan's Services table reads. */
export function servicesOf(plan: Plan): string[] {
  return plan.services.map((s) => [s.name, s.image, s.public ? `port ${s.port} (public)` : s.runs === "one-shot" ? "one-shot" : ""].join(" ").trim());
}

/** How many warnings of each code, in code order. */
export function codesOf(plan: Plan): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of plan.warnings) {
    const code = /\[([a-z-]+)\]$/.exec(line)![1]!;
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

export type Container = {
  Name: string;
  Command?: unknown[];
  EntryPoint?: unknown[];
  User?: string;
  HealthCheck?: unknown;
  ReadonlyRootFilesystem?: boolean;
  PortMappings?: unknown[];
  Environment?: Array<{ Name: string; Value: unknown }>;
  Secrets?: Array<{ Name: string; ValueFrom: unknown }>;
};
type Template = { Resources: Record<string, { Type: string; Properties: { ContainerDefinitions?: Container[] } }> };

/** The container of that name in any of the plan's task definitions. */
export function container(planned: Plan, name: string): Container {
  const all = Object.values((planned.template as Template).Resources).flatMap((r) => r.Properties.ContainerDefinitions ?? []);
  return all.find((c) => c.Name === name)!;
}

/** What a user sees of one application that plans: its services, release steps and warnings by code. */
export interface PlannedApp {
  repo: string;
  services: string[];
  release: string[];
  /** Warnings by code; a code a table's other rows name is `undefined` here. */
  codes: Partial<Record<string, number>>;
}

/** Plans the application and asserts what a user sees, that the template fits inline and that cfn-lint finds nothing. */
export async function expectPlansAsSeen({ repo, services, release, codes }: PlannedApp): Promise<void> {
  const planned = await plan(repo);

  expect(servicesOf(planned)).toEqual(services);
  expect(planned.release.map((r) => r.name)).toEqual(release);
  expect(codesOf(planned)).toEqual(codes);
  expect(Buffer.byteLength(JSON.stringify(planned.template))).toBeLessThan(INLINE_TEMPLATE_LIMIT);
  expect(await lintTemplate(planned.template, repo)).toEqual([]);
}
