import { describe, expect, it } from "vitest";
import { createGateSignals } from "../../src/aws/wait-condition-signals.js";
import { BerthError } from "../../src/errors.js";

const URL = "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack%2Fs%2Fid%2FGate?X-Amz-Signature=secret";
const SIGNAL = { Status: "SUCCESS", Reason: "every release step exited 0", UniqueId: "abc", Data: "every release step exited 0" } as const;

/** A fetch that answers with `statuses` in turn and records what it was sent. */
function fetchAnswering(...statuses: Array<number | Error>) {
  const sent: Array<{ url: string; init: RequestInit | undefined }> = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    sent.push({ url, init });
    const next = statuses.shift() ?? 200;
    if (next instanceof Error) throw next;
    return new Response("", { status: next });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, sent };
}

describe("createGateSignals", () => {
  it("PUTs the signal's JSON to the handle's URL with an empty Content-Type, as the URL was presigned", async () => {
    const { fetch, sent } = fetchAnswering(200);
    await createGateSignals({ fetch }).signal(URL, SIGNAL);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.url).toBe(URL);
    expect(sent[0]?.init).toMatchObject({ method: "PUT", headers: { "Content-Type": "" } });
    expect(JSON.parse(String(sent[0]?.init?.body))).toEqual(SIGNAL);
  });

  it("tries a 5xx or a broken connection again, up to three times", async () => {
    const { fetch, sent } = fetchAnswering(503, new TypeError("fetch failed"), 200);
    await createGateSignals({ fetch, retryDelayMs: 0 }).signal(URL, SIGNAL);
    expect(sent).toHaveLength(3);
  });

  it("does not repeat a refusal, and never puts the URL's signature in the error", async () => {
    const { fetch, sent } = fetchAnswering(403);
    const error = await createGateSignals({ fetch }).signal(URL, { ...SIGNAL, Status: "FAILURE" }).catch((e: unknown) => e);
    expect(sent).toHaveLength(1);
    expect(error).toBeInstanceOf(BerthError);
    expect((error as BerthError).message).toBe(
      "signal FAILURE to wait condition cloudformation-waitcondition-us-east-1.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack%2Fs%2Fid%2FGate: HTTP 403",
    );
    expect((error as BerthError).userMessage).toBe("berth could not signal FAILURE to the rollout's release gate (HTTP 403).");
  });
});
