import { describe, expect, it } from "vitest";
import { cookie, createSessionStore, readCookies, sameSecret, SESSION_TTL_MS } from "../../handlers/dashboard-sessions.js";

describe("the dashboard's sessions", () => {
  it("end 8 hours after sign-in", () => {
    let now = 0;
    const sessions = createSessionStore({ now: () => now });
    const session = sessions.create("alice", new Map([["acme/shop", "write"]]));
    expect(SESSION_TTL_MS).toBe(8 * 3600_000);
    now = SESSION_TTL_MS - 1;
    expect(sessions.find(session.id)?.login).toBe("alice");
    now = SESSION_TTL_MS;
    expect(sessions.find(session.id)).toBeUndefined();
  });

  it("are capped: past the cap, the oldest ends first", () => {
    const sessions = createSessionStore({ max: 2 });
    const [a, b, c] = ["a", "b", "c"].map((login) => sessions.create(login, new Map()));
    expect([a, b, c].map((s) => sessions.find(s!.id)?.login)).toEqual([undefined, "b", "c"]);
  });

  it("give each session its own random id and CSRF token, and end on sign-out", () => {
    const sessions = createSessionStore();
    const one = sessions.create("alice", new Map());
    const two = sessions.create("alice", new Map());
    expect(new Set([one.id, one.csrf, two.id, two.csrf]).size).toBe(4);
    sessions.end(one.id);
    expect(sessions.find(one.id)).toBeUndefined();
    expect(sessions.find(undefined)).toBeUndefined();
  });
});

describe("cookies and secrets", () => {
  it("reads the first cookie of each name", () => {
    expect(readCookies("a=1; __Host-berth-session=xyz; a=2; broken; =x")).toEqual({ a: "1", "__Host-berth-session": "xyz" });
    expect(readCookies(undefined)).toEqual({});
  });

  it("sets cookies scripts cannot read, sent over HTTPS only and not on cross-site subrequests", () => {
    expect(cookie("__Host-berth-session", "abc", { maxAgeSeconds: 60 })).toBe("__Host-berth-session=abc; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax");
  });

  it.each([
    ["abc", "abc", true],
    ["abc", "abd", false],
    ["abc", "abcd", false],
    ["", "", false],
    [undefined, "abc", false],
  ])("sameSecret(%j, %j) is %s", (a, b, same) => {
    expect(sameSecret(a, b)).toBe(same);
  });
});
