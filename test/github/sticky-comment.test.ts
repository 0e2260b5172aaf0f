import { Octokit } from "@octokit/core";
import { describe, expect, it } from "vitest";
import { createComments, STICKY_MARKER } from "../../src/github/sticky-comment.js";
import { githubApi, useGitHubApiChecks } from "../helpers/github-openapi.js";

useGitHubApiChecks();

const repo = { owner: "acme", repo: "shop", installationId: 1 };
const octokit = () => new Octokit({ auth: "test-token" });
const bot = { login: "berth[bot]", type: "Bot" };
const human = { login: "mallory", type: "User" };
const body = `${STICKY_MARKER}\n**Preview ready**`;
const list = "/repos/acme/shop/issues/7/comments?per_page=100";

describe("createComments", () => {
  it("creates the sticky comment when the PR has none", async () => {
    githubApi()
      .get(`${list}&page=1`)
      .reply(200, [{ id: 1, body: "LGTM", user: human }])
      .post("/repos/acme/shop/issues/7/comments", { body })
      .reply(201, { id: 10 });

    await createComments(octokit(), repo).ensureSticky(7, body);
  });

  it("finds the sticky comment a 502 answer did post, and posts no second one", async () => {
    githubApi()
      .get(`${list}&page=1`)
      .reply(200, [])
      .post("/repos/acme/shop/issues/7/comments", { body })
      .reply(502, { message: "Server Error" })
      .get(`${list}&page=1`)
      .reply(200, [{ id: 10, body, user: bot }]);

    await createComments(octokit(), repo, { botLogin: "berth[bot]", retry: { attempts: 3, baseDelayMs: 0 } }).ensureSticky(7, body);
  });

  it("posts again when a 502 answer posted nothing", async () => {
    githubApi()
      .get(`${list}&page=1`)
      .reply(200, [])
      .post("/repos/acme/shop/issues/7/comments", { body })
      .reply(502, { message: "Server Error" })
      .get(`${list}&page=1`)
      .reply(200, [{ id: 3, body: `quoting ${STICKY_MARKER}`, user: human }])
      .post("/repos/acme/shop/issues/7/comments", { body })
      .reply(201, { id: 11 });

    await createComments(octokit(), repo, { botLogin: "berth[bot]", retry: { attempts: 3, baseDelayMs: 0 } }).ensureSticky(7, body);
  });

  it("edits the existing sticky comment found on a later page", async () => {
    githubApi()
      .get(`${list}&page=1`)
      .reply(200, [{ id: 1, body: "first", user: human }], { link: '<https://api.github.com/x?page=2>; rel="next"' })
      .get(`${list}&page=2`)
      .reply(200, [{ id: 11, body: `${STICKY_MARKER}\nDeploying`, user: bot }])
      .patch("/repos/acme/shop/issues/comments/11", { body })
      .reply(200, { id: 11 });

    await createComments(octokit(), repo).ensureSticky(7, body);
  });

  it("leaves an unchanged sticky comment alone", async () => {
    githubApi().get(`${list}&page=1`).reply(200, [{ id: 11, body, user: bot }]);

    await createComments(octokit(), repo).ensureSticky(7, body);
  });

  it("edits the first of two sticky comments left by a race and deletes the other", async () => {
    githubApi()
      .get(`${list}&page=1`)
      .reply(200, [
        { id: 11, body: `${STICKY_MARKER}\nDeploying`, user: bot },
        { id: 12, body: "thanks", user: human },
        { id: 13, body: `${STICKY_MARKER}\nDeploying`, user: bot },
      ])
      .patch("/repos/acme/shop/issues/comments/11", { body })
      .reply(200, { id: 11 })
      .delete("/repos/acme/shop/issues/comments/13")
      .reply(204);

    await createComments(octokit(), repo).ensureSticky(7, body);
  });

  it.each([
    ["a person's comment quoting the marker", { botLogin: undefined }, human],
    ["another app's comment when the bot login is known", { botLogin: "berth[bot]" }, { login: "other[bot]", type: "Bot" }],
  ])("never edits %s", async (_case, options, user) => {
    githubApi()
      .get(`${list}&page=1`)
      .reply(200, [{ id: 5, body: `look: ${STICKY_MARKER}`, user }])
      .post("/repos/acme/shop/issues/7/comments", { body })
      .reply(201, { id: 10 });

    await createComments(octokit(), repo, options.botLogin === undefined ? {} : { botLogin: options.botLogin }).ensureSticky(7, body);
  });

  it("puts the marker first when the body lacks it", async () => {
    githubApi()
      .get(`${list}&page=1`)
      .reply(200, [])
      .post("/repos/acme/shop/issues/7/comments", { body: `${STICKY_MARKER}\nhello` })
      .reply(201, { id: 10 });

    await createComments(octokit(), repo).ensureSticky(7, "hello");
  });

  it("replies to a command once, with a hidden marker naming the command's comment, and reacts", async () => {
    githubApi()
      .get(`${list}&page=1`)
      .reply(200, [])
      .post("/repos/acme/shop/issues/7/comments", { body: "Resetting the preview.\n\n<!-- berth:reply-to:19 -->" })
      .reply(201, { id: 20 })
      .post("/repos/acme/shop/issues/comments/19/reactions", { content: "eyes" })
      .reply(201, { id: 1, content: "eyes" });

    const comments = createComments(octokit(), repo);
    await comments.reply(7, "Resetting the preview.", 19);
    await comments.react(19, "eyes");
  });

  it("posts no reply when berth already answered that command", async () => {
    githubApi()
      .get(`${list}&page=1`)
      .reply(200, [{ id: 20, body: "Resetting the preview.\n\n<!-- berth:reply-to:19 -->", user: bot }]);

    await createComments(octokit(), repo).reply(7, "Resetting the preview.", 19);
  });

  it("a reply GitHub answered 502 after posting it is found, not posted twice", async () => {
    const posted = { id: 20, body: "Resetting the preview.\n\n<!-- berth:reply-to:19 -->", user: bot };
    githubApi()
      .get(`${list}&page=1`)
      .reply(200, [])
      .post("/repos/acme/shop/issues/7/comments")
      .reply(502, { message: "Server Error" })
      .get(`${list}&page=1`)
      .reply(200, [posted]);

    await createComments(octokit(), repo, { retry: { attempts: 3, baseDelayMs: 0 } }).reply(7, "Resetting the preview.", 19);
  });

  it("cuts a reply to GitHub's body limit, keeping the marker", async () => {
    let sent = "";
    githubApi()
      .get(`${list}&page=1`)
      .reply(200, [])
      .post("/repos/acme/shop/issues/7/comments", (b: { body: string }) => {
        sent = b.body;
        return true;
      })
      .reply(201, { id: 21 });

    await createComments(octokit(), repo).reply(7, "z".repeat(70_000), 19);
    const marker = "\n\n<!-- berth:reply-to:19 -->";
    expect(sent).toBe(`${"z".repeat(65536 - 16 - marker.length)}\n\n…(truncated)${marker}`);
    expect(Buffer.byteLength(sent)).toBe(65536);
  });
});
