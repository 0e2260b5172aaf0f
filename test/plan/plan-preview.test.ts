import { describe, expect, it } from "vitest";
import { InputError, formatDiagnostic } from "../../src/errors.js";
import { planPreview } from "../../src/plan/plan-preview.js";
import { createMemoryReader } from "../../src/util/repo-reader.js";

const TARGET = { owner: "acme", repo: "shop", pr: 42, sha: "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e" };
const COMPOSE = "services:\n  web:\n    build: .\n    ports: ['3000:3000']\n  db:\n    image: postgres:16\n";

async function problems(files: Record<string, string>): Promise<string[]> {
  try {
    await planPreview({ reader: createMemoryReader(files), target: TARGET, baseStack: "berth-base" });
  } catch (error) {
    if (error instanceof InputError) return error.diagnostics.map(formatDiagnostic);
    throw error;
  }
  throw new Error("expected an InputError");
}

describe("planPreview: problems with the config found while planning", () => {
  it.each([".github/preview.yml", ".github/preview.yaml"])("name the config file the repository has: %s", async (file) => {
    const config = "image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:{sha}\nservice: api\nresources:\n  services:\n    worker: { cpu: 256, memory: 512 }\n";
    expect(await problems({ [file]: config, "compose.yaml": COMPOSE })).toEqual([
      `${file}:5: resources.services.worker: no compose service named "worker"; services: web, db`,
      `${file}:2: service: no compose service named "api"; services: web, db`,
    ]);
  });

  it.each([".github/preview.yml", ".github/preview.yaml"])("name it for a missing image template too: %s", async (file) => {
    expect(await problems({ [file]: "service: web\n", "compose.yaml": COMPOSE })).toEqual([
      `${file}: image: required because "web" has build: in the compose file; berth deploys the image CI pushed, e.g. image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:{sha}`,
    ]);
  });
});
