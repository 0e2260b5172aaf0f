import type { Logger } from "probot";

/** What berth uses of smee-client's module (smee-client 5, the version Probot 14 loads). */
export interface SmeeModule {
  SmeeClient: new (options: { source: string; target: string; logger: Pick<Logger, "info" | "error"> }) => { start(): Promise<{ close(): void }> };
}

/** A running proxy: `close` stops forwarding. */
export interface WebhookProxy {
  close(): void;
}

/** smee-client is an optional dependency: imported by name, only when a proxy URL is set. */
const SMEE_CLIENT = "smee-client";

/**
 * Forwards the webhooks a smee.io channel receives (`WEBHOOK_PROXY_URL`, for local development) to
 * `target`, berth's own webhook path, as Probot's server does since berth no longer runs inside it.
 * Without smee-client installed it says how to install it, and berth serves on without a proxy.
 */
export async function startWebhookProxy(input: {
  url: string;
  target: string;
  log: Pick<Logger, "info" | "warn" | "error">;
  load?: () => Promise<SmeeModule>;
}): Promise<WebhookProxy | undefined> {
  const load = input.load ?? (() => import(SMEE_CLIENT) as Promise<SmeeModule>);
  let module: SmeeModule;
  try {
    module = await load();
  } catch {
    input.log.warn("Run `npm install --save-dev smee-client` to proxy webhooks to localhost.");
    return undefined;
  }
  const client = new module.SmeeClient({ source: input.url, target: input.target, logger: input.log });
  const events = await client.start();
  input.log.info({ source: input.url, target: input.target }, "forwarding webhooks from the proxy");
  return { close: () => events.close() };
}
