import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { githubRepoOf, readCheckout } from "../../src/cli/git-checkout.js";

describe("githubRepoOf", () => {
  it.each([
    ["git@github.com:acme/shop.git", "acme/shop"],
    ["git@github.com:acme/shop", "acme/shop"],
    ["https://github.com/acme/shop.git", "acme/shop"],
    ["https://github.com/acme/shop", "acme/shop"],
    ["https://github.com/acme/shop/", "acme/shop"],
    ["https://x-access-token:abc@github.com/acme/my.site.git", "acme/my.site"],
    ["ssh://git@github.com/acme/shop.git", "acme/shop"],
  ])("reads %s as %s", (url, repo) => {
    expect(githubRepoOf(url)).toBe(repo);
  });

  it.each(["git@gitlab.com:acme/shop.git", "https://github.example.com/acme/shop", "/srv/git/shop.git", ""])("finds no GitHub repository in %j", (url) => {
    expect(githubRepoOf(url)).toBeUndefined();
  });
});

describe("readCheckout", () => {
  it("knows nothing of a folder that is not a checkout", async () => {
    expect(await readCheckout(mkdtempSync(path.join(tmpdir(), "berth-not-git-")))).toEqual({});
  });
});

describe("readCheckout of a folder inside a checkout", () => {
  it("takes nothing from the enclosing repository (berth reads .github/preview.yml from DIR itself)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "berth-outer-"));
    execFileSync("git", ["init", "-q", "-b", "main", dir]);
    execFileSync("git", ["-C", dir, "remote", "add", "origin", "https://github.com/acme/outer.git"]);
    mkdirSync(path.join(dir, "inner"));

    expect(await readCheckout(path.join(dir, "inner"))).toEqual({});
    expect(await readCheckout(dir)).toEqual({ repo: "acme/outer", branch: "main" });
  });
});
