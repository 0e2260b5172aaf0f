import { BerthError } from "../errors.js";
import type { GatePort } from "../preview/ports.js";
import type { GateSignal } from "../stack/release-gate.js";

/**
 * Signals CloudFormation wait conditions: a PUT of the signal's JSON to the handle's presigned S3
 * URL, with an empty Content-Type (the URL was signed without one). A 5xx or a broken connection
 * is tried again, twice; a refusal (4xx) is not.
 */
export function createGateSignals(options: { fetch?: typeof fetch; retryDelayMs?: number } = {}): GatePort {
  const send = options.fetch ?? globalThis.fetch;
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  return {
    async signal(url, signal: GateSignal) {
      const where = new URL(url);
      for (let attempt = 1; ; attempt++) {
        let failure: string;
        try {
          const response = await send(url, { method: "PUT", headers: { "Content-Type": "" }, body: JSON.stringify(signal) });
          if (response.ok) return;
          failure = `HTTP ${response.status}`;
          if (response.status < 500) throw refused(where, signal, failure);
        } catch (error) {
          if (error instanceof BerthError) throw error;
          failure = error instanceof Error ? error.message : String(error);
        }
        if (attempt >= 3) throw refused(where, signal, failure);
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt));
      }
    },
  };
}

function refused(where: URL, signal: GateSignal, failure: string): BerthError {
  // The URL's query is its signature: never in a message.
  return new BerthError(`signal ${signal.Status} to wait condition ${where.host}${where.pathname}: ${failure}`, {
    userMessage: `berth could not signal ${signal.Status} to the rollout's release gate (${failure}).`,
  });
}
