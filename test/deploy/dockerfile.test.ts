import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import picomatch from "picomatch";
import { describe, expect, it } from "vitest";

const ROOT = path.join(import.meta.dirname, "..", "..");
const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
const ignored = readFileSync(path.join(ROOT, ".dockerignore"), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));
const matches = picomatch(ignored, { dot: true });
/** As Docker reads .dockerignore: a path is left out when it, or a folder it lies in, matches a pattern. */
const isIgnored = (file: string): boolean => file.split("/").some((_, i, parts) => matches(parts.slice(0, i + 1).join("/")));

/** Sources of the Dockerfile's `COPY` lines that read the build context (not `--from=` a stage). */
const copied = dockerfile
  .split("\n")
  .filter((line) => /^COPY\s/.test(line) && !line.includes("--from="))
  .flatMap((line) => line.trim().split(/\s+/).slice(1, -1));

describe("berth's Dockerfile", () => {
  it("copies only what exists and what .dockerignore lets into the build context", () => {
    expect(copied.length).toBeGreaterThan(0);
    for (const source of copied) {
      expect(existsSync(path.join(ROOT, source)), `${source} exists`).toBe(true);
      expect(isIgnored(source), `${source} is not in .dockerignore`).toBe(false);
    }
  });

  it("keeps secrets, local builds and dependencies out of the build context", () => {
    for (const file of [".env", "key.pem", "node_modules/probot/package.json", "dist/handlers/main.js", ".git/config"]) {
      expect(isIgnored(file), file).toBe(true);
    }
  });

  it("runs on a Node LTS line that package.json's engines accept, under an init process", () => {
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
    const { engines } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } };

    expect(bases.length).toBe(2);
    for (const major of bases) {
      // Even majors are Node's LTS lines; engines says ">=22" for everything after 20.
      expect(major % 2, `node:${major} is an LTS line`).toBe(0);
      expect(major).toBeGreaterThanOrEqual(22);
      expect(engines.node).toContain(">=22");
    }
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
