import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildDnsInitContainer, buildSearchLineScript, RESOLV_CONF } from "../../src/stack/container-definition.js";

const DOMAIN = "shop-pr-7-acme-d21b2c.berth.internal";
const dir = mkdtempSync(path.join(tmpdir(), "berth-resolv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Runs the init container's script with `sh`, on a temporary file in place of /etc/resolv.conf; returns the file afterwards. */
function run(before: string, times = 1): string {
  const file = path.join(dir, `resolv-${++n}.conf`);
  writeFileSync(file, before);
  const script = buildSearchLineScript(DOMAIN);
  expect(script).toContain(RESOLV_CONF);
  for (let i = 0; i < times; i++) execFileSync("sh", ["-c", script.replaceAll(RESOLV_CONF, file)]);
  return readFileSync(file, "utf8");
}

describe("the DNS init container's script", () => {
  it.each([
    [
      "a file whose last line has no newline",
      "nameserver 169.254.169.253\nsearch ec2.internal",
      `nameserver 169.254.169.253\nsearch ${DOMAIN} ec2.internal\n`,
    ],
    [
      "a search line in the middle, with options after it",
      "search us-east-1.compute.internal ec2.internal\nnameserver 10.0.0.2\noptions timeout:2\n",
      `nameserver 10.0.0.2\noptions timeout:2\nsearch ${DOMAIN} us-east-1.compute.internal ec2.internal\n`,
    ],
    [
      "no search line",
      "nameserver 10.0.0.2\n",
      `nameserver 10.0.0.2\nsearch ${DOMAIN}\n`,
    ],
    [
      "no search line and no final newline",
      "nameserver 10.0.0.2",
      `nameserver 10.0.0.2\nsearch ${DOMAIN}\n`,
    ],
    [
      "two search lines (the last one counts)",
      "search old.example\nnameserver 10.0.0.2\nsearch\tec2.internal\n",
      `nameserver 10.0.0.2\nsearch ${DOMAIN} ec2.internal\n`,
    ],
    [
      "the preview's domain already listed, not first",
      `nameserver 10.0.0.2\nsearch ec2.internal ${DOMAIN}\n`,
      `nameserver 10.0.0.2\nsearch ${DOMAIN} ec2.internal\n`,
    ],
    ["an empty file", "", `search ${DOMAIN}\n`],
  ])("rewrites %s into one search line, first the preview's domain", (_name, before, after) => {
    expect(run(before)).toBe(after);
  });

  it.each([
    ["a file without a final newline", "nameserver 169.254.169.253\nsearch ec2.internal"],
    ["a file without a search line", "nameserver 10.0.0.2\n"],
  ])("gives the same file when it runs again, on %s", (_name, before) => {
    expect(run(before, 3)).toBe(run(before, 1));
  });

  it("is the command of the init container", () => {
    expect(buildDnsInitContainer(DOMAIN, { group: "/berth/previews", region: "us-east-1", streamPrefix: "p" }).Command).toEqual([
      "sh",
      "-c",
      buildSearchLineScript(DOMAIN),
    ]);
  });
});
