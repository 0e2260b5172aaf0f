import { Octokit } from "@octokit/core";
import { describe, expect, it } from "vitest";
import { GitHubError } from "../../src/github/github-error.js";
import { createRepoFileReader, findPermission } from "../../src/github/repo-files.js";
import { githubApi, useGitHubApiChecks } from "../helpers/github-openapi.js";

useGitHubApiChecks();

const repo = { owner: "acme", repo: "shop", installationId: 1 };
const sha = "abc1234def5678";
const octokit = () => new Octokit({ auth: "test-token" });
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const file = (content: string, extra: object = {}) => ({
  type: "file",
  encoding: "base64",
  size: Buffer.byteLength(content),
  name: "preview.yml",
  path: ".github/preview.yml",
  sha: "blob1",
  // GitHub wraps base64 at 60 columns.
  content: b64(content).replace(/(.{60})/g, "$1\n"),
  ...extra,
});
const contents = (path: string) => `/repos/acme/shop/contents/${encodeURIComponent(path)}?ref=${sha}`;

describe("createRepoFileReader", () => {
  it("reads and decodes a file at the commit, once", async () => {
    const text = "services:\n  web:\n    image: nginx # café ✓\n".repeat(5);
    githubApi().get(contents(".github/preview.yml")).once().reply(200, file(text));

    const reader = createRepoFileReader(octokit(), repo, sha);
    await expect(reader.readFile(".github/preview.yml")).resolves.toBe(text);
    await expect(reader.readFile("./.github/preview.yml")).resolves.toBe(text);
  });

  it.each([
    ["a missing file", contents("compose.yaml"), 404, { message: "Not Found" }],
    ["a directory", contents("compose.yaml"), 200, [file("x")]],
    ["a submodule", contents("compose.yaml"), 200, { type: "submodule", name: "x", path: "x", sha: "s", size: 0, submodule_git_url: "git://x" }],
  ])("reads %s as undefined", async (_case, url, status, reply) => {
    githubApi().get(url).reply(status, reply);
    await expect(createRepoFileReader(octokit(), repo, sha).readFile("compose.yaml")).resolves.toBeUndefined();
  });

  it("refuses paths outside the repository without asking GitHub", async () => {
    const reader = createRepoFileReader(octokit(), repo, sha);
    await expect(reader.readFile("../secrets")).resolves.toBeUndefined();
    await expect(reader.readFile("/etc/passwd")).resolves.toBeUndefined();
  });

  it("reads a file above 1 MB through the blob API", async () => {
    const big = "a".repeat(1_200_000);
    githubApi()
      .get(contents("seed.sql"))
      .reply(200, file("", { encoding: "none", content: "", size: big.length, sha: "blob9" }))
      .get("/repos/acme/shop/git/blobs/blob9")
      .reply(200, { sha: "blob9", size: big.length, encoding: "base64", content: b64(big), url: "u", node_id: "n" });

    await expect(createRepoFileReader(octokit(), repo, sha).readFile("seed.sql")).resolves.toBe(big);
  });

  it("lists a folder or a file from the commit's tree, read once, with Git's executable bit, leaving out links and submodules", async () => {
    const entry = (path: string, mode: string, type = "blob", size = 10) => ({ path, mode, type, sha: "s", size, url: "u" });
    githubApi()
      .get(`/repos/acme/shop/git/trees/${sha}?recursive=1`)
      .once()
      .reply(200, {
        sha,
        url: "u",
        truncated: false,
        tree: [
          entry("nginx", "040000", "tree"),
          entry("nginx/default.conf", "100644"),
          entry("nginx/snippets", "040000", "tree"),
          entry("nginx/snippets/proxy.conf", "100644", "blob", 199),
          entry("nginx/entrypoint.sh", "100755"),
          entry("nginx/current", "120000"),
          entry("nginx/vendor", "160000", "commit"),
          entry("nginx.conf.example", "100644"),
        ],
      });
    const reader = createRepoFileReader(octokit(), repo, sha);

    await expect(reader.listFiles("./nginx/")).resolves.toEqual([
      { path: "nginx/default.conf", size: 10, executable: false },
      { path: "nginx/entrypoint.sh", size: 10, executable: true },
      { path: "nginx/snippets/proxy.conf", size: 199, executable: false },
    ]);
    await expect(reader.listFiles("nginx/entrypoint.sh")).resolves.toEqual([{ path: "nginx/entrypoint.sh", size: 10, executable: true }]);
    await expect(reader.listFiles("nginx/current")).resolves.toBeUndefined();
    await expect(reader.listFiles("../etc")).resolves.toBeUndefined();
  });

  it("says so when the repository has more files than one tree lists", async () => {
    githubApi().get(`/repos/acme/shop/git/trees/${sha}?recursive=1`).reply(200, { sha, url: "u", truncated: true, tree: [] });
    const error = await createRepoFileReader(octokit(), repo, sha)
      .listFiles("nginx")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as GitHubError).message).toBe(
      "list the files at abc1234: the repository has more files than GitHub lists in one tree (100,000); mount single files rather than folders",
    );
  });

  it("reads an empty file", async () => {
    githubApi().get(contents(".env")).reply(200, file("", { size: 0 }));
    await expect(createRepoFileReader(octokit(), repo, sha).readFile(".env")).resolves.toBe("");
  });

  it("refuses a file above the size berth reads", async () => {
    githubApi().get(contents("dump.sql")).reply(200, file("", { encoding: "none", content: "", size: 50_000_000 }));
    const error = await createRepoFileReader(octokit(), repo, sha).readFile("dump.sql").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as Error).message).toBe("read dump.sql at abc1234: the file is 50000000 bytes; berth reads files up to 10485760 bytes");
  });

  it("wraps other failures and does not cache them", async () => {
    githubApi()
      .get(contents("compose.yaml"))
      .reply(500, { message: "boom" })
      .get(contents("compose.yaml"))
      .reply(200, file("ok"));

    const reader = createRepoFileReader(octokit(), repo, sha);
    await expect(reader.readFile("compose.yaml")).rejects.toThrow(/^read compose.yaml at abc1234: HTTP 500: boom/);
    await expect(reader.readFile("compose.yaml")).resolves.toBe("ok");
  });
});

describe("findPermission", () => {
  const url = "/repos/acme/shop/collaborators/octocat/permission";
  it.each([
    ["admin", "admin", "admin"],
    ["maintain", "write", "maintain"],
    ["write", "write", "write"],
    ["triage", "read", "triage"],
    ["read", "read", "read"],
    ["security-reviewer", "write", "write"],
    ["custom-reader", "read", "read"],
    ["", "none", "none"],
  ])("role_name %j with permission %j is %j", async (role, permission, expected) => {
    githubApi().get(url).reply(200, { permission, role_name: role, user: null });
    await expect(findPermission(octokit(), repo, "octocat")).resolves.toBe(expected);
  });

  it("is none for a user GitHub does not know", async () => {
    githubApi().get(url).reply(404, { message: "Not Found" });
    await expect(findPermission(octokit(), repo, "octocat")).resolves.toBe("none");
  });

  it("throws on other failures rather than guessing", async () => {
    githubApi().get(url).reply(403, { message: "Forbidden" });
    await expect(findPermission(octokit(), repo, "octocat")).rejects.toBeInstanceOf(GitHubError);
  });
});
