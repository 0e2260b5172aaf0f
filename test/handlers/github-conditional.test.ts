import { describe, expect, it } from "vitest";
import { createConditionalCache } from "../../handlers/github-conditional.js";

interface Sent {
  url: string;
  ifNoneMatch: string | undefined;
}

/**
 * One Octokit as the plugin sees it: its request hook, with GitHub behind it answering from
 * `pages` (url -> [etag, data]) and 304 when `If-None-Match` names the current ETag.
 */
function octokitOf(cache: ReturnType<typeof createConditionalCache>, installationId: number | undefined, pages: Map<string, [string, unknown]>, sent: Sent[]) {
  let wrapper: ((send: () => Promise<unknown>, options: Record<string, unknown>) => Promise<unknown>) | undefined;
  const octokit = {
    hook: { wrap: (_name: string, w: typeof wrapper) => (wrapper = w) },
    request: { endpoint: (o: { method: string; url: string }) => ({ method: o.method, url: o.url }) },
  };
  cache.plugin(octokit, installationId === undefined ? {} : { auth: { installationId } });
  return async (method: string, url: string) => {
    const options = { method, url, headers: {} as Record<string, string> };
    return wrapper!(async () => {
      const ifNoneMatch = options.headers["if-none-match"];
      sent.push({ url, ifNoneMatch });
      const page = pages.get(url);
      if (page === undefined) throw Object.assign(new Error("Not Found"), { status: 404 });
      if (ifNoneMatch === page[0]) throw Object.assign(new Error("Not modified"), { status: 304 });
      return { status: 200, url, headers: { etag: page[0] }, data: page[1] };
    }, options);
  };
}

describe("conditional GETs to GitHub", () => {
  it("asks again with the ETag and answers a 304 from the cache, with the same data", async () => {
    const cache = createConditionalCache();
    const pages = new Map<string, [string, unknown]>([["/repos/a/b/pulls/7", ['W/"1"', { number: 7, head: "abc" }]]]);
    const sent: Sent[] = [];
    const get = octokitOf(cache, 1, pages, sent);

    const first = await get("GET", "/repos/a/b/pulls/7");
    const second = await get("GET", "/repos/a/b/pulls/7");
    pages.set("/repos/a/b/pulls/7", ['W/"2"', { number: 7, head: "def" }]);
    const third = await get("GET", "/repos/a/b/pulls/7");

    expect(sent.map((s) => s.ifNoneMatch)).toEqual([undefined, 'W/"1"', 'W/"1"']);
    expect([first, second, third].map((r) => (r as { data: { head: string } }).data.head)).toEqual(["abc", "abc", "def"]);
    expect(cache.stats()).toMatchObject({ notModified: 1, entries: 1 });
  });

  it("never gives one installation's answer to another, nor to the app", async () => {
    const cache = createConditionalCache();
    const pages = new Map<string, [string, unknown]>([["/installation/repositories", ['W/"r"', { total_count: 1 }]]]);
    const sent: Sent[] = [];
    await octokitOf(cache, 1, pages, sent)("GET", "/installation/repositories");
    await octokitOf(cache, 2, pages, sent)("GET", "/installation/repositories");
    await octokitOf(cache, undefined, pages, sent)("GET", "/installation/repositories");
    await octokitOf(cache, 1, pages, sent)("GET", "/installation/repositories");

    expect(sent.map((s) => s.ifNoneMatch)).toEqual([undefined, undefined, undefined, 'W/"r"']);
  });

  it("leaves writes alone and forgets an answer that is no longer there", async () => {
    const cache = createConditionalCache();
    const pages = new Map<string, [string, unknown]>([["/x", ['W/"x"', {}]]]);
    const sent: Sent[] = [];
    const request = octokitOf(cache, 1, pages, sent);
    await request("POST", "/x");
    await request("POST", "/x");
    await request("GET", "/x");
    pages.delete("/x");
    await expect(request("GET", "/x")).rejects.toMatchObject({ status: 404 });
    pages.set("/x", ['W/"x"', {}]);
    await request("GET", "/x");

    expect(sent.map((s) => s.ifNoneMatch)).toEqual([undefined, undefined, undefined, 'W/"x"', 'W/"x"']);
    expect(cache.stats().notModified).toBe(1);
  });

  it("keeps at most its entries and bytes, dropping the least recently used first", async () => {
    const cache = createConditionalCache({ entries: 2, bytes: 400 });
    const big = "x".repeat(90);
    const pages = new Map<string, [string, unknown]>(["/a", "/b", "/c", "/huge"].map((u) => [u, [`W/"${u}"`, u === "/huge" ? "y".repeat(200) : big]]));
    const sent: Sent[] = [];
    const get = octokitOf(cache, 1, pages, sent);
    await get("GET", "/a");
    await get("GET", "/b");
    await get("GET", "/a"); // /a is now the most recently used
    await get("GET", "/c"); // two entries at most: /b goes
    await get("GET", "/huge"); // more than a quarter of the bytes: not kept
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 2 * (big.length + 2) });

    sent.length = 0;
    for (const url of ["/a", "/c", "/b", "/huge"]) await get("GET", url);
    expect(sent.map((s) => `${s.url} ${s.ifNoneMatch ?? "-"}`)).toEqual(['/a W/"/a"', '/c W/"/c"', "/b -", "/huge -"]);
  });
});
