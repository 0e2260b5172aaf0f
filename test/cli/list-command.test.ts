import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/index.js";
import { formatAge } from "../../src/cli/list-command.js";
import type { StackSummary } from "../../src/preview/ports.js";

const NOW = new Date("2026-12-03T12:00:00Z");
const A = "a".repeat(40);
const B = "b".repeat(40);

function stack(name: string, status: string, tags: Record<string, string>, url: string | undefined, createdAt: string): StackSummary {
  return { name, status, tags: { "berth:managed": "true", ...tags }, outputs: url ? { Url: url } : {}, parameters: {}, createdAt: new Date(createdAt) };
}

const STACKS: StackSummary[] = [
  stack("berth-shop-pr-7-acme-d21b2c", "UPDATE_COMPLETE", { "berth:repository": "acme/shop", "berth:pr": "7", "berth:sha": A, "berth:deploying": A }, "https://shop-pr-7.preview.example.com", "2026-12-01T09:00:00Z"),
  stack("berth-shop-pr-12-acme-d21b2c", "UPDATE_IN_PROGRESS", { "berth:repository": "acme/shop", "berth:pr": "12", "berth:sha": A, "berth:deploying": B }, "https://shop-pr-12.preview.example.com", "2026-12-03T11:20:00Z"),
  stack("berth-api-pr-3-acme-0f0f0f", "UPDATE_ROLLBACK_COMPLETE", { "berth:repository": "acme/api", "berth:pr": "3", "berth:sha": "none", "berth:deploying": B }, undefined, "2026-12-03T11:58:00Z"),
  stack("berth-base", "UPDATE_COMPLETE", {}, undefined, "2026-11-01T00:00:00Z"),
];

async function list(args: string[], env: Record<string, string> = { AWS_REGION: "eu-west-1" }) {
  let stdout = "";
  let stderr = "";
  const regions: string[] = [];
  const code = await runCli(["list", ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, {
    env,
    now: () => NOW,
    stacks: (region) => {
      regions.push(region);
      return { list: async () => STACKS };
    },
  });
  return { code, stdout, stderr, regions };
}

describe("berth list", () => {
  it("prints a table of the previews from their stacks' tags, sorted by repository and PR", async () => {
    const { code, stdout, stderr, regions } = await list([]);

    expect({ code, stderr, regions }).toEqual({ code: 0, stderr: "", regions: ["eu-west-1"] });
    expect(stdout).toBe(
      [
        "REPOSITORY  PR   STATE      SERVING  DEPLOYING  AGE  URL",
        "acme/api    #3   failed     -        bbbbbbb    2m   -",
        "acme/shop   #7   ready      aaaaaaa  -          2d   https://shop-pr-7.preview.example.com",
        "acme/shop   #12  deploying  aaaaaaa  bbbbbbb    40m  https://shop-pr-12.preview.example.com",
        "",
      ].join("\n"),
    );
  });

  it("--json gives one array, --region picks the region", async () => {
    const { code, stdout, regions } = await list(["--json", "--region", "us-east-2"]);

    expect(code).toBe(0);
    expect(regions).toEqual(["us-east-2"]);
    expect(JSON.parse(stdout)[1]).toEqual({
      repository: "acme/shop",
      pr: 7,
      state: "ready",
      serving: A,
      url: "https://shop-pr-7.preview.example.com",
      stack: "berth-shop-pr-7-acme-d21b2c",
      status: "UPDATE_COMPLETE",
      createdAt: "2026-12-01T09:00:00.000Z",
    });
  });

  it("needs a region", async () => {
    const { code, stderr } = await list([], {});

    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toBe("berth list: no region: pass --region or set AWS_REGION");
  });

  it("exits 1 with AWS's refusal", async () => {
    let stderr = "";
    const code = await runCli(["list"], { stdout: () => {}, stderr: (t) => (stderr += t) }, {
      env: { AWS_REGION: "eu-west-1" },
      stacks: () => ({ list: async () => Promise.reject(new Error("ListStacks (stacks named berth-*): AccessDenied: not authorized")) }),
    });

    expect({ code, stderr }).toEqual({ code: 1, stderr: "berth list: ListStacks (stacks named berth-*): AccessDenied: not authorized\n" });
  });
});

describe("formatAge", () => {
  it.each([
    ["2026-12-03T11:59:30Z", "0m"],
    ["2026-12-03T11:00:00Z", "1h"],
    ["2026-12-01T13:00:00Z", "47h"],
    ["2026-11-29T12:00:00Z", "4d"],
  ])("%s is %s ago", (since, age) => {
    expect(formatAge(new Date(since), NOW)).toBe(age);
  });
});
