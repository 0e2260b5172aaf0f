import { randomBytes, timingSafeEqual } from "node:crypto";
import type { AccessMap } from "../src/dashboard/dashboard-access.js";

/** One signed-in person: who, what they may see and do, and the token their forms must carry. */
export interface Session {
  id: string;
  login: string;
  access: AccessMap;
  /** Every form of the dashboard carries it; a POST without it is refused (CSRF). */
  csrf: string;
  expiresAt: number;
  /** One line for the next page (`Redeploy of acme/shop#7 queued.`), shown once; `refused` when nothing was done. */
  notice?: { text: string; refused?: boolean };
}

/** Sessions in memory: a restart signs everyone out, which only costs them a click. */
export interface SessionStore {
  create(login: string, access: AccessMap): Session;
  /** The live session of that id, or undefined (unknown or expired). */
  find(id: string | undefined): Session | undefined;
  end(id: string): void;
}

/** How long a sign-in lasts; the permissions read at sign-in are used that long (actions are checked again). */
export const SESSION_TTL_MS = 8 * 3600_000;
/** At most this many sessions; the oldest goes first. */
export const MAX_SESSIONS = 10_000;

/** A random token for a cookie, a form or the sign-in's `state`: 256 bits, URL-safe. */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Compares two secrets in constant time; undefined or empty never matches. */
export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createSessionStore(options: { now?: () => number; ttlMs?: number; max?: number } = {}): SessionStore {
  const now = options.now ?? Date.now;
  const ttl = options.ttlMs ?? SESSION_TTL_MS;
  const max = options.max ?? MAX_SESSIONS;
  const sessions = new Map<string, Session>();
  return {
    create(login, access) {
      const session: Session = { id: randomToken(), login, access, csrf: randomToken(), expiresAt: now() + ttl };
      sessions.set(session.id, session);
      while (sessions.size > max) sessions.delete(sessions.keys().next().value as string);
      return session;
    },
    find(id) {
      if (!id) return undefined;
      const session = sessions.get(id);
      if (!session) return undefined;
      if (session.expiresAt <= now()) {
        sessions.delete(id);
        return undefined;
      }
      return session;
    },
    end(id) {
      sessions.delete(id);
    },
  };
}

/** The cookies of a request, by name (the first of each name). */
export function readCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=");
    const name = part.slice(0, Math.max(0, at)).trim();
    if (at < 0 || name === "" || name in cookies) continue;
    cookies[name] = part.slice(at + 1).trim();
  }
  return cookies;
}

/** A `Set-Cookie` value: never readable by scripts, sent only over HTTPS, not on cross-site subrequests. */
export function cookie(name: string, value: string, options: { maxAgeSeconds: number; path?: string }): string {
  return `${name}=${value}; Max-Age=${options.maxAgeSeconds}; Path=${options.path ?? "/"}; HttpOnly; Secure; SameSite=Lax`;
}
