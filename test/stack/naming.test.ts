import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hostname, previewHostLabel, previewLabel, stackName } from "../../src/stack/naming.js";

/** The spec's hash: 6 hex digits of sha256(`owner/repo` lowercased). */
const h = (ownerRepo: string): string => createHash("sha256").update(ownerRepo.toLowerCase()).digest("hex").slice(0, 6);
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

describe("previewLabel", () => {
  it.each([
    { case: "plain", owner: "acme", repo: "shop", pr: 42, label: `shop-pr-42-acme-${h("acme/shop")}` },
    { case: "uppercase", owner: "Acme", repo: "Shop", pr: 42, label: `shop-pr-42-acme-${h("acme/shop")}` },
    { case: "dots and underscores", owner: "acme", repo: "my.app_v2", pr: 7, label: `my-app-v2-pr-7-acme-${h("acme/my.app_v2")}` },
    { case: "unicode", owner: "Jörg", repo: "café-ünicode", pr: 1, label: `caf-nicode-pr-1-j-rg-${h("jörg/café-ünicode")}` },
    { case: "leading hyphens and digits", owner: "_x_", repo: "--2fast", pr: 3, label: `2fast-pr-3-x-${h("_x_/--2fast")}` },
    { case: "nothing usable in the repo name", owner: "acme", repo: "___", pr: 3, label: `pr-3-acme-${h("acme/___")}` },
    { case: "hyphen runs collapse (no xn-- punycode look-alike)", owner: "acme", repo: "xn--foo", pr: 9, label: `xn-foo-pr-9-acme-${h("acme/xn--foo")}` },
    {
      case: "long owner and repo: owner cut to 8 first, then the repo",
      owner: "b".repeat(50),
      repo: "a".repeat(100),
      pr: 123456,
      label: `${"a".repeat(37)}-pr-123456-${"b".repeat(8)}-${h(`${"b".repeat(50)}/${"a".repeat(100)}`)}`,
    },
    {
      case: "long repo, short owner kept whole",
      owner: "acme",
      repo: "x".repeat(80),
      pr: 1,
      label: `${"x".repeat(46)}-pr-1-acme-${h(`acme/${"x".repeat(80)}`)}`,
    },
    {
      case: "a cut that ends on a hyphen is trimmed",
      owner: "acme",
      repo: `${"a".repeat(45)}-${"b".repeat(20)}`,
      pr: 1,
      label: `${"a".repeat(45)}-pr-1-acme-${h(`acme/${"a".repeat(45)}-${"b".repeat(20)}`)}`,
    },
  ])("$case", ({ owner, repo, pr, label }) => {
    const got = previewLabel({ owner, repo, pr });
    expect(got).toBe(label);
    expect(got.length).toBeLessThanOrEqual(63);
    expect(got).toMatch(DNS_LABEL);
    expect(got).not.toContain("--");
  });

  it.each([
    { case: "same repo under two owners", a: { owner: "acme", repo: "shop" }, b: { owner: "other", repo: "shop" } },
    { case: "names that sanitize alike", a: { owner: "acme", repo: "my.repo" }, b: { owner: "acme", repo: "my_repo" } },
    {
      case: "long names cut to the same prefix",
      a: { owner: "o".repeat(40), repo: `${"r".repeat(60)}-one` },
      b: { owner: "o".repeat(40), repo: `${"r".repeat(60)}-two` },
    },
  ])("keeps apart $case", ({ a, b }) => {
    expect(previewLabel({ ...a, pr: 5 })).not.toBe(previewLabel({ ...b, pr: 5 }));
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses pull request number %s", (pr) => {
    expect(() => previewLabel({ owner: "acme", repo: "shop", pr })).toThrow(RangeError);
  });
});

describe("previewHostLabel", () => {
  const KEY = "test-host-key-6f1d0c2a9b8e7d6c5b4a39281706f5e4";
  const SHOP = { owner: "acme", repo: "shop", pr: 7 };

  // Expected secrets computed outside berth: base32(HMAC-SHA256(key, "owner/repo#n"))[:16], lowercase.
  it.each([
    { case: "plain", ref: SHOP, key: KEY, label: "shop-pr-7-acme-73pyonfhiqawoco7" },
    { case: "the same pull request in other capitals", ref: { owner: "ACME", repo: "Shop", pr: 7 }, key: KEY, label: "shop-pr-7-acme-73pyonfhiqawoco7" },
    { case: "another key", ref: SHOP, key: "another-host-key-00000000000000000000000000", label: "shop-pr-7-acme-qziuqkblfl5ns6wg" },
    {
      case: "long names: cut like the stack's label, the secret kept whole",
      ref: { owner: "b".repeat(50), repo: "a".repeat(100), pr: 123456 },
      key: KEY,
      label: `${"a".repeat(27)}-pr-123456-${"b".repeat(8)}-yulnxrp6xx3shtct`,
    },
  ])("$case", ({ ref, key, label }) => {
    const got = previewHostLabel(ref, key);
    expect(got).toBe(label);
    expect(got.length).toBeLessThanOrEqual(63);
    expect(got).toMatch(DNS_LABEL);
    expect(got).not.toContain("--");
  });

  it("is the same on every deploy under one key, and another under another key", () => {
    expect(previewHostLabel(SHOP, KEY)).toBe(previewHostLabel({ ...SHOP }, KEY));
    expect(previewHostLabel(SHOP, KEY)).not.toBe(previewHostLabel(SHOP, `${KEY}x`));
  });

  it("cannot be derived from the repository's name: neither the stack's hash nor a neighbour's secret gives it", () => {
    const secretOf = (label: string) => label.slice(-16);
    const hosts = [1, 2, 3, 4, 5].map((pr) => previewHostLabel({ ...SHOP, pr }, KEY));
    expect(new Set(hosts.map(secretOf)).size).toBe(5);
    for (const host of hosts) {
      expect(secretOf(host)).toMatch(/^[a-z2-7]{16}$/);
      expect(host).not.toContain(h("acme/shop"));
    }
    expect(previewHostLabel(SHOP, KEY)).not.toBe(previewLabel(SHOP));
  });

  it("fits 63 characters for every owner, repository and pull request number", () => {
    for (const owner of ["a", "o".repeat(39), "A-b_c"]) {
      for (const repo of ["x", "r".repeat(100), "my.app_v2"]) {
        for (const pr of [1, 99999, Number.MAX_SAFE_INTEGER]) {
          const got = previewHostLabel({ owner, repo, pr }, KEY);
          expect(got.length).toBeLessThanOrEqual(63);
          expect(got).toMatch(DNS_LABEL);
          expect(got).toContain(`pr-${pr}`);
        }
      }
    }
  });

  it("without a key gives a stand-in of zeros (no base32 digit), for an offline plan", () => {
    expect(previewHostLabel(SHOP, undefined)).toBe("shop-pr-7-acme-0000000000000000");
  });

  it.each([
    { case: "an empty key", ref: SHOP, key: "" },
    { case: "pull request 0", ref: { ...SHOP, pr: 0 }, key: KEY },
  ])("refuses $case", ({ ref, key }) => {
    expect(() => previewHostLabel(ref, key)).toThrow(RangeError);
  });
});

describe("stackName", () => {
  it("prefixes the label so it starts with a letter and stays within CloudFormation's limits", () => {
    const label = previewLabel({ owner: "9".repeat(39), repo: "1".repeat(100), pr: 99999 });
    const name = stackName(label);
    expect(name).toBe(`berth-${label}`);
    expect(name).toMatch(/^[A-Za-z][-A-Za-z0-9]{0,127}$/);
  });
});

describe("hostname", () => {
  it.each([
    { domain: "preview.example.com", host: "shop-pr-1-acme-abcdef.preview.example.com" },
    { domain: "Preview.Example.COM.", host: "shop-pr-1-acme-abcdef.preview.example.com" },
  ])("$domain", ({ domain, host }) => {
    expect(hostname("shop-pr-1-acme-abcdef", domain)).toBe(host);
  });
});
