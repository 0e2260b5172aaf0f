import { hourlyPrice, previewSize, PRICES_AS_OF } from "../stack/fargate-price.js";
import type { ReleaseStep } from "../stack/release.js";
import { formatWarning, type PreviewPlan } from "./plan-preview.js";

/** One compose service as the preview runs it. */
export interface ServiceSummary {
  name: string;
  /** The image its container pulls (a service with `build:`: the one CI pushes for the commit). */
  image: string;
  vcpu: number;
  memoryGb: number;
  /** The container port the load balancer sends the preview URL to (the public service only). */
  port?: number;
  /** `service`: an ECS service, always running; `one-shot`: runs once a deploy and exits. */
  runs: "service" | "one-shot";
  public: boolean;
  /** Named or anonymous volumes and tmpfs paths, as `name:/path` or `/path`. */
  volumes: string[];
}

/** What a person checks before a preview is deployed: the plan, without the template. */
export interface PlanSummary {
  stackName: string;
  url: string | undefined;
  services: ServiceSummary[];
  release: ReleaseStep[];
  warnings: string[];
  /** Dollars an hour while awake, where the region is known and berth ships its prices. */
  price?: { perHour: number; region: string; vcpu: number; gb: number; pricesAsOf: string };
}

interface TemplateResource {
  Type?: string;
  Properties?: Record<string, unknown>;
}

interface ContainerLike {
  Name?: string;
  Image?: unknown;
  PortMappings?: Array<{ ContainerPort?: number }>;
}

/** Containers berth adds next to the compose service's own (`berth-dns-init`, file writers). */
const BERTH_CONTAINER = /^berth-/;

/**
 * Summarizes a plan from its rendered template (what a deploy creates: size, image, port) and its
 * compose project (names and volumes). Pure; `region` prices it when given.
 */
export function summarizePlan(plan: PreviewPlan, input: { url: string | undefined; region: string | undefined }): PlanSummary {
  const resources = (plan.stack.template.Resources ?? {}) as Record<string, TemplateResource>;
  const definitions = new Map<string, { container: ContainerLike; cpu: number; memory: number; service: boolean }>();
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== "AWS::ECS::TaskDefinition") continue;
    const containers = (resource.Properties?.ContainerDefinitions ?? []) as ContainerLike[];
    const container = containers.find((c) => c.Name !== undefined && !BERTH_CONTAINER.test(c.Name));
    if (container?.Name === undefined) continue;
    const runsAsService = Object.values(resources).some(
      (r) => r.Type === "AWS::ECS::Service" && (r.Properties?.TaskDefinition as { Ref?: string } | undefined)?.Ref === id,
    );
    definitions.set(container.Name, {
      container,
      cpu: Number(resource.Properties?.Cpu) / 1024,
      memory: Number(resource.Properties?.Memory) / 1024,
      service: runsAsService,
    });
  }
  const services: ServiceSummary[] = [];
  for (const service of plan.project.services) {
    const definition = definitions.get(service.name);
    if (!definition) continue;
    const isPublic = service.name === plan.stack.publicService;
    services.push({
      name: service.name,
      image: typeof definition.container.Image === "string" ? definition.container.Image : (plan.images[service.name] ?? "(resolved at deploy)"),
      vcpu: definition.cpu,
      memoryGb: definition.memory,
      ...(isPublic ? { port: plan.stack.port } : {}),
      runs: definition.service ? "service" : "one-shot",
      public: isPublic,
      volumes: service.volumes.map((v) => (v.name === undefined ? v.target : `${v.name}:${v.target}`)),
    });
  }
  const size = previewSize(plan.stack.template);
  const perHour = input.region === undefined ? undefined : hourlyPrice(size, input.region);
  return {
    stackName: plan.stack.stackName,
    url: input.url,
    services,
    release: plan.stack.release,
    warnings: plan.stack.warnings.map(formatWarning),
    ...(perHour === undefined || input.region === undefined
      ? {}
      : { price: { perHour, region: input.region, vcpu: size.vcpu, gb: size.gb, pricesAsOf: PRICES_AS_OF } }),
  };
}

/** The summary as a person reads it on a terminal: aligned columns, one fact a line. */
export function renderPlanSummary(summary: PlanSummary, notes: { urlNote?: string; price?: string } = {}): string {
  const lines: string[] = [];
  lines.push(`Stack     ${summary.stackName}`);
  lines.push(`URL       ${summary.url === undefined ? "(pass --domain to see it)" : `${summary.url}${notes.urlNote ? ` ${notes.urlNote}` : ""}`}`);
  lines.push("");
  lines.push("Services");
  const rows = summary.services.map((s) => [
    `  ${s.name}`,
    s.image,
    `${formatNumber(s.vcpu)} vCPU / ${formatNumber(s.memoryGb)} GiB`,
    s.public ? `port ${s.port} (public)` : s.runs === "one-shot" ? "one-shot" : "",
  ]);
  lines.push(...table(rows));
  const volumes = summary.services.flatMap((s) => s.volumes.map((v) => `  ${s.name}: ${v}`));
  lines.push("");
  lines.push("Volumes");
  lines.push(...(volumes.length === 0 ? ["  none"] : volumes));
  lines.push("");
  lines.push("Release, in order");
  lines.push(
    ...(summary.release.length === 0
      ? ["  none"]
      : summary.release.map((step, i) => `  ${i + 1}. ${step.name}${"command" in step && step.command ? `: ${commandLine(step.command)}` : ""}`)),
  );
  lines.push("");
  lines.push(
    summary.price
      ? `Price     $${summary.price.perHour.toFixed(4)} an hour while awake (${formatNumber(summary.price.vcpu)} vCPU, ${formatNumber(summary.price.gb)} GiB of Fargate in ${summary.price.region}, prices of ${summary.price.pricesAsOf})`
      : `Price     ${notes.price ?? "unknown: pass --region"}`,
  );
  lines.push(`Warnings  ${summary.warnings.length === 0 ? "none" : summary.warnings.length}`);
  lines.push(...summary.warnings.map((w) => `  ${w}`));
  return `${lines.join("\n")}\n`;
}

/**
 * A command's words on one line: a word with spaces, quotes or shell characters in double quotes
 * (`"`, `\`, `$` and backquotes escaped) and its newlines shown as `\n`, so that `sh -c "<script>"`
 * reads as three words and a multi-line script does not break the numbered list.
 */
export function commandLine(words: readonly string[]): string {
  return words
    .map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/["\\$`]/g, "\\$&").replace(/\n/g, "\\n")}"`))
    .join(" ");
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
}

/** Pads every column but the last to its widest cell. */
export function table(rows: string[][]): string[] {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd());
}
