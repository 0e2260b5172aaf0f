import { request } from "node:http";
import { createGitHubSignIn } from "../../handlers/dashboard-oauth.js";
import { createDashboard } from "../../handlers/dashboard-routes.js";
import { createSessionStore } from "../../handlers/dashboard-sessions.js";
import { createWebhookServer, listen, type WebhookServer } from "../../handlers/webhook-server.js";
import type { Harness } from "./app-harness.js";

export const CLIENT_ID = "Iv1.8a61f9b3a7aba766";
export const CLIENT_SECRET = "client-secret-for-tests";

/**
 * berth's HTTP server in front of the harness's engine, with the dashboard on `publicUrl`'s host
 * (default `https://berth.preview.example.com`; a function of the port for a browser on localhost)
 * and the waking page for every other host. Sign-in goes to `githubUrl` (default https://github.com).
 */
export async function startDashboard(
  h: Harness,
  options: { publicUrl?: string | ((port: number) => string); githubUrl?: string; now?: () => Date } = {},
): Promise<{ web: WebhookServer; port: number; publicUrl: string }> {
  const serverOptions: Parameters<typeof createWebhookServer>[1] = { wake: (host) => h.previews.wakeOnRequest(host) };
  const web = createWebhookServer(() => false, serverOptions);
  const port = await listen(web.server, 0, "127.0.0.1");
  const wanted = options.publicUrl ?? "https://berth.preview.example.com";
  const publicUrl = typeof wanted === "function" ? wanted(port) : wanted;
  const githubUrl = options.githubUrl ?? "https://github.com";
  serverOptions.dashboard = createDashboard({
    previews: h.previews,
    signIn: createGitHubSignIn({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUrl: `${publicUrl}/auth/callback`, githubUrl }),
    sessions: createSessionStore(),
    publicUrl,
    githubUrl,
    now: options.now ?? (() => new Date()),
    log: h.probot.log,
  });
  return { web, port, publicUrl };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request to berth with the Host header given (fetch refuses to set it; node:http does not). */
export function call(port: number, input: { method?: string; path: string; host: string; cookie?: string; origin?: string; form?: Record<string, string> }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = input.form === undefined ? undefined : new URLSearchParams(input.form).toString();
    const headers: Record<string, string> = { host: input.host };
    if (input.cookie) headers.cookie = input.cookie;
    if (input.origin) headers.origin = input.origin;
    if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    const req = request({ host: "127.0.0.1", port, method: input.method ?? "GET", path: input.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The `name=value` of a cookie a response sets, or undefined. */
export function setCookie(answer: Answer, name: string): string | undefined {
  const all = ([] as string[]).concat(answer.headers["set-cookie"] ?? []);
  const line = all.find((c) => c.startsWith(`${name}=`));
  return line?.split(";")[0];
}

/** The text of a page as a person reads it: tags dropped, entities decoded, white space collapsed. */
export function visibleText(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, "")
    // A span sits inside a line of text; other elements break it.
    .replace(/<\/?span[^>]*>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}
