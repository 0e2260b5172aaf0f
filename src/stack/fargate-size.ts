import type { ComposeService } from "../compose/model.js";
import type { RepoConfig } from "../config/schema.js";
import { InputError, type Diagnostic, type Warning } from "../errors.js";
import { configDiagnostic, type ConfigLineOf } from "./diagnostics.js";

/** A Fargate task size: CPU units and memory in MiB. */
export interface FargateSize {
  cpu: number;
  memory: number;
}

/** The size of a service nobody sized: the smallest Fargate offers. */
export const DEFAULT_SIZE: FargateSize = { cpu: 256, memory: 512 };

/** Fargate's valid memory per CPU size (Linux), as ranges `from..to` in `step`s. */
const TABLE: ReadonlyArray<{ cpu: number; memory: readonly number[] | { from: number; to: number; step: number } }> = [
  { cpu: 256, memory: [512, 1024, 2048] },
  { cpu: 512, memory: { from: 1024, to: 4096, step: 1024 } },
  { cpu: 1024, memory: { from: 2048, to: 8192, step: 1024 } },
  { cpu: 2048, memory: { from: 4096, to: 16384, step: 1024 } },
  { cpu: 4096, memory: { from: 8192, to: 30720, step: 1024 } },
  { cpu: 8192, memory: { from: 16384, to: 61440, step: 4096 } },
  { cpu: 16384, memory: { from: 32768, to: 122880, step: 8192 } },
];

/** The CPU sizes Fargate offers, ascending. */
export const FARGATE_CPUS: readonly number[] = TABLE.map((row) => row.cpu);

/** The memory sizes (MiB) Fargate accepts with `cpu`, ascending; undefined for an invalid CPU size. */
export function fargateMemoryOptions(cpu: number): number[] | undefined {
  const row = TABLE.find((r) => r.cpu === cpu);
  if (!row) return undefined;
  if (Array.isArray(row.memory)) return [...row.memory];
  const { from, to, step } = row.memory as { from: number; to: number; step: number };
  const out: number[] = [];
  for (let m = from; m <= to; m += step) out.push(m);
  return out;
}

/** Whether Fargate runs a task of this CPU and memory. */
export function isFargateSize(size: FargateSize): boolean {
  return fargateMemoryOptions(size.cpu)?.includes(size.memory) ?? false;
}

/**
 * Checks every size written in `resources` of `.github/preview.yml` against Fargate's table.
 * Returns one diagnostic per wrong value, naming the key and listing the valid values.
 */
export function resourceDiagnostics(resources: RepoConfig["resources"], lineOf?: ConfigLineOf): Diagnostic[] {
  const out: Diagnostic[] = [];
  out.push(...checkPair(["resources"], resources, lineOf));
  for (const [name, size] of Object.entries(resources.services)) out.push(...checkPair(["resources", "services", name], size, lineOf));
  return out;
}

/**
 * The Fargate size of one compose service, first match wins: `resources.services.<name>` of the
 * config, then `resources.cpu`/`memory` (one alone takes the smallest valid partner), then the
 * compose `deploy.resources.limits` rounded up to the smallest Fargate size that holds them (with a
 * `resources-rounded` warning), then 256 CPU / 512 MiB. Throws InputError for a size Fargate does not
 * offer, or limits beyond the largest one.
 */
export function fargateSize(input: {
  service: Pick<ComposeService, "name" | "limits" | "file" | "line">;
  resources: RepoConfig["resources"];
  configLineOf?: ConfigLineOf;
}): { size: FargateSize; warnings: Warning[] } {
  const { service, resources } = input;
  const own = resources.services[service.name];
  if (own) {
    throwIfAny(checkPair(["resources", "services", service.name], own, input.configLineOf));
    return { size: { cpu: own.cpu, memory: own.memory }, warnings: [] };
  }
  if (resources.cpu !== undefined || resources.memory !== undefined) {
    throwIfAny(checkPair(["resources"], resources, input.configLineOf));
    return { size: completePair(resources)!, warnings: [] };
  }
  const limits = service.limits;
  if (limits?.cpus === undefined && limits?.memoryMiB === undefined) return { size: DEFAULT_SIZE, warnings: [] };
  const cpu = limits.cpus === undefined ? undefined : Math.ceil(limits.cpus * 1024);
  const memory = limits.memoryMiB === undefined ? undefined : Math.ceil(limits.memoryMiB);
  const size = smallestHolding(cpu ?? 0, memory ?? 0);
  const asked = [cpu === undefined ? undefined : `cpus ${limits.cpus}`, memory === undefined ? undefined : `memory ${memory} MiB`]
    .filter(Boolean)
    .join(", ");
  const where = { file: service.file, ...(service.line === undefined ? {} : { line: service.line }) };
  if (!size) {
    throw new InputError([
      {
        ...where,
        path: `services.${service.name}.deploy.resources.limits`,
        message: `services.${service.name}.deploy.resources.limits: ${asked} is more than the largest Fargate size (cpu 16384, memory 122880 MiB)`,
      },
    ]);
  }
  if ((cpu === undefined || size.cpu === cpu) && (memory === undefined || size.memory === memory)) return { size, warnings: [] };
  return {
    size,
    warnings: [
      {
        code: "resources-rounded",
        message: `services.${service.name}: limits (${asked}) rounded up to the Fargate size cpu ${size.cpu}, memory ${size.memory} MiB`,
        ...where,
      },
    ],
  };
}

/** The smallest Fargate size (fewest CPU units, then least memory) with at least this much of both. */
function smallestHolding(cpu: number, memory: number): FargateSize | undefined {
  for (const c of FARGATE_CPUS) {
    if (c < cpu) continue;
    const m = fargateMemoryOptions(c)!.find((option) => option >= memory);
    if (m !== undefined) return { cpu: c, memory: m };
  }
  return undefined;
}

/** A valid pair from a config that sets cpu, memory or both; undefined when invalid. */
function completePair(size: { cpu?: number | undefined; memory?: number | undefined }): FargateSize | undefined {
  if (size.cpu !== undefined) {
    const options = fargateMemoryOptions(size.cpu);
    if (!options) return undefined;
    if (size.memory === undefined) return { cpu: size.cpu, memory: options[0]! };
    return options.includes(size.memory) ? { cpu: size.cpu, memory: size.memory } : undefined;
  }
  if (size.memory === undefined) return undefined;
  const cpu = FARGATE_CPUS.find((c) => fargateMemoryOptions(c)!.includes(size.memory!));
  return cpu === undefined ? undefined : { cpu, memory: size.memory };
}

function checkPair(
  at: string[],
  size: { cpu?: number | undefined; memory?: number | undefined },
  lineOf: ConfigLineOf | undefined,
): Diagnostic[] {
  if (size.cpu === undefined && size.memory === undefined) return [];
  if (size.cpu !== undefined && !fargateMemoryOptions(size.cpu)) {
    return [configDiagnostic([...at, "cpu"], `${size.cpu} is not a Fargate CPU size; valid values: ${FARGATE_CPUS.join(", ")}`, lineOf)];
  }
  if (completePair(size)) return [];
  if (size.cpu !== undefined) {
    return [
      configDiagnostic(
        [...at, "memory"],
        `${size.memory} MiB is not valid with cpu ${size.cpu}; valid values: ${describeOptions(size.cpu)}`,
        lineOf,
      ),
    ];
  }
  const table = FARGATE_CPUS.map((c) => `cpu ${c}: ${describeOptions(c)}`).join("; ");
  return [configDiagnostic([...at, "memory"], `${size.memory} MiB is not a Fargate memory size; valid values: ${table}`, lineOf)];
}

function describeOptions(cpu: number): string {
  const options = fargateMemoryOptions(cpu)!;
  if (options.length <= 4) return options.join(", ");
  const step = options[1]! - options[0]!;
  return `${options[0]} to ${options.at(-1)} in steps of ${step}`;
}

function throwIfAny(diagnostics: Diagnostic[]): void {
  if (diagnostics.length > 0) throw new InputError(diagnostics);
}
