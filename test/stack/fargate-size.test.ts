import { describe, expect, it } from "vitest";
import { formatDiagnostic, InputError } from "../../src/errors.js";
import { fargateSize, isFargateSize, resourceDiagnostics } from "../../src/stack/fargate-size.js";
import { config, service } from "./fixtures/projects.js";

/** Fargate's table as AWS documents it, written out independently of the code under test. */
function documentedPairs(): Array<[number, number]> {
  const range = (cpu: number, from: number, to: number, step: number): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    for (let m = from; m <= to; m += step) out.push([cpu, m]);
    return out;
  };
  return [
    [256, 512],
    [256, 1024],
    [256, 2048],
    ...range(512, 1024, 4096, 1024),
    ...range(1024, 2048, 8192, 1024),
    ...range(2048, 4096, 16384, 1024),
    ...range(4096, 8192, 30720, 1024),
    ...range(8192, 16384, 61440, 4096),
    ...range(16384, 32768, 122880, 8192),
  ];
}

const lines = (resources: unknown, lineOf?: (path: ReadonlyArray<string | number>) => number | undefined) =>
  resourceDiagnostics(config({ resources }).resources, lineOf).map(formatDiagnostic);

describe("isFargateSize", () => {
  it("accepts every documented pair", () => {
    const pairs = documentedPairs();
    expect(pairs).toHaveLength(3 + 4 + 7 + 13 + 23 + 12 + 12);
    for (const [cpu, memory] of pairs) expect(isFargateSize({ cpu, memory }), `${cpu}/${memory}`).toBe(true);
  });

  it.each([
    [256, 1536],
    [256, 4096],
    [512, 512],
    [512, 1536],
    [1024, 9216],
    [4096, 31744],
    [8192, 18432],
    [16384, 36864],
    [300, 512],
    [32768, 131072],
  ])("refuses cpu %i with memory %i", (cpu, memory) => {
    expect(isFargateSize({ cpu, memory })).toBe(false);
  });
});

describe("resourceDiagnostics", () => {
  it.each([
    { resources: {}, errors: [] },
    { resources: { cpu: 512, memory: 1024 }, errors: [] },
    { resources: { cpu: 2048 }, errors: [] },
    { resources: { memory: 3072 }, errors: [] },
    {
      resources: { cpu: 256, memory: 4096 },
      errors: [".github/preview.yml: resources.memory: 4096 MiB is not valid with cpu 256; valid values: 512, 1024, 2048"],
    },
    {
      resources: { cpu: 300, memory: 512 },
      errors: [".github/preview.yml: resources.cpu: 300 is not a Fargate CPU size; valid values: 256, 512, 1024, 2048, 4096, 8192, 16384"],
    },
    {
      resources: { cpu: 1024, memory: 1024 },
      errors: [".github/preview.yml: resources.memory: 1024 MiB is not valid with cpu 1024; valid values: 2048 to 8192 in steps of 1024"],
    },
    {
      resources: { services: { web: { cpu: 8192, memory: 20000 } } },
      errors: [
        ".github/preview.yml: resources.services.web.memory: 20000 MiB is not valid with cpu 8192; valid values: 16384 to 61440 in steps of 4096",
      ],
    },
    {
      resources: { cpu: 512, memory: 512, services: { web: { cpu: 128, memory: 512 } } },
      errors: [
        ".github/preview.yml: resources.memory: 512 MiB is not valid with cpu 512; valid values: 1024, 2048, 3072, 4096",
        ".github/preview.yml: resources.services.web.cpu: 128 is not a Fargate CPU size; valid values: 256, 512, 1024, 2048, 4096, 8192, 16384",
      ],
    },
    {
      resources: { memory: 600 },
      errors: [
        ".github/preview.yml: resources.memory: 600 MiB is not a Fargate memory size; valid values: cpu 256: 512, 1024, 2048; " +
          "cpu 512: 1024, 2048, 3072, 4096; cpu 1024: 2048 to 8192 in steps of 1024; cpu 2048: 4096 to 16384 in steps of 1024; " +
          "cpu 4096: 8192 to 30720 in steps of 1024; cpu 8192: 16384 to 61440 in steps of 4096; cpu 16384: 32768 to 122880 in steps of 8192",
      ],
    },
  ])("$resources", ({ resources, errors }) => {
    expect(lines(resources)).toEqual(errors);
  });

  it("names the line when the caller has the parsed file", () => {
    const lineOf = (path: ReadonlyArray<string | number>) => (path.join(".") === "resources.memory" ? 9 : undefined);
    expect(lines({ cpu: 256, memory: 3072 }, lineOf)).toEqual([
      ".github/preview.yml:9: resources.memory: 3072 MiB is not valid with cpu 256; valid values: 512, 1024, 2048",
    ]);
  });
});

describe("fargateSize", () => {
  it.each([
    { case: "nothing set: the smallest size", resources: {}, limits: undefined, size: { cpu: 256, memory: 512 } },
    { case: "per-service size wins", resources: { cpu: 1024, memory: 2048, services: { web: { cpu: 4096, memory: 8192 } } }, limits: { cpus: 0.5 }, size: { cpu: 4096, memory: 8192 } },
    { case: "repository size wins over compose limits", resources: { cpu: 512, memory: 1024 }, limits: { cpus: 4, memoryMiB: 8192 }, size: { cpu: 512, memory: 1024 } },
    { case: "cpu alone takes its smallest memory", resources: { cpu: 2048 }, limits: undefined, size: { cpu: 2048, memory: 4096 } },
    { case: "memory alone takes the smallest cpu offering it", resources: { memory: 3072 }, limits: undefined, size: { cpu: 512, memory: 3072 } },
    { case: "another service's size does not apply", resources: { services: { db: { cpu: 1024, memory: 2048 } } }, limits: undefined, size: { cpu: 256, memory: 512 } },
    { case: "exact compose limits", resources: {}, limits: { cpus: 0.25, memoryMiB: 512 }, size: { cpu: 256, memory: 512 } },
    { case: "compose cpu limit alone, exact", resources: {}, limits: { cpus: 1 }, size: { cpu: 1024, memory: 2048 } },
  ])("$case", ({ resources, limits, size }) => {
    const result = fargateSize({ service: service("web", limits ? { limits } : {}), resources: config({ resources }).resources });
    expect(result).toEqual({ size, warnings: [] });
  });

  it.each([
    { limits: { cpus: 0.3, memoryMiB: 300 }, size: { cpu: 512, memory: 1024 }, message: "services.web: limits (cpus 0.3, memory 300 MiB) rounded up to the Fargate size cpu 512, memory 1024 MiB" },
    { limits: { memoryMiB: 3000 }, size: { cpu: 512, memory: 3072 }, message: "services.web: limits (memory 3000 MiB) rounded up to the Fargate size cpu 512, memory 3072 MiB" },
    { limits: { cpus: 2, memoryMiB: 1024 }, size: { cpu: 2048, memory: 4096 }, message: "services.web: limits (cpus 2, memory 1024 MiB) rounded up to the Fargate size cpu 2048, memory 4096 MiB" },
    { limits: { cpus: 5 }, size: { cpu: 8192, memory: 16384 }, message: "services.web: limits (cpus 5) rounded up to the Fargate size cpu 8192, memory 16384 MiB" },
  ])("rounds compose limits $limits up, with a warning", ({ limits, size, message }) => {
    const result = fargateSize({ service: service("web", { limits, line: 4 }), resources: config().resources });
    expect(result).toEqual({ size, warnings: [{ code: "resources-rounded", message, file: "docker-compose.yml", line: 4 }] });
  });

  it("refuses compose limits beyond the largest Fargate size, naming the compose key", () => {
    const call = () => fargateSize({ service: service("web", { limits: { cpus: 20 }, line: 4 }), resources: config().resources });
    expect(call).toThrow(InputError);
    expect(call).toThrow(
      "docker-compose.yml:4: services.web.deploy.resources.limits: cpus 20 is more than the largest Fargate size (cpu 16384, memory 122880 MiB)",
    );
  });

  it("refuses an invalid per-service size", () => {
    const resources = config({ resources: { services: { web: { cpu: 256, memory: 4096 } } } }).resources;
    expect(() => fargateSize({ service: service("web"), resources })).toThrow(
      ".github/preview.yml: resources.services.web.memory: 4096 MiB is not valid with cpu 256; valid values: 512, 1024, 2048",
    );
  });
});
