import { createPrivateKey } from "node:crypto";
import { getPrivateKey } from "@probot/get-private-key";

/**
 * Checks the GitHub App's private key as Probot reads it (PRIVATE_KEY, pasted, base64 or with
 * `\n` escapes; or the file at PRIVATE_KEY_PATH) and parses it. Throws one line naming the
 * variable and why, so that berth stops instead of Probot failing on the first webhook.
 */
export function checkPrivateKey(env: NodeJS.ProcessEnv): void {
  const variable = env.PRIVATE_KEY ? "PRIVATE_KEY" : "PRIVATE_KEY_PATH";
  let pem: string | null;
  try {
    pem = getPrivateKey({ env });
  } catch (error) {
    throw new Error(`berth cannot start: ${variable} is not the GitHub App's private key: ${(error as Error).message.replace(/^\[@probot\/get-private-key\] /, "")}`);
  }
  if (!pem) throw new Error("berth cannot start: PRIVATE_KEY or PRIVATE_KEY_PATH must be set: the GitHub App's private key (PEM)");
  try {
    createPrivateKey(pem);
  } catch (error) {
    throw new Error(`berth cannot start: ${variable} does not parse as a PEM private key (${(error as Error).message}); download a new key in the App's settings`);
  }
}

/** What the app-authenticated GitHub client needs to offer: one request. */
export interface AppRequester {
  request(route: "GET /app"): Promise<{ data: { slug?: string } | null }>;
}

/**
 * Asks GitHub who the app is, with the app's own credentials (a JWT signed with the private key).
 * Returns the app's slug, or throws one line when GitHub rejects the credentials (401: the key
 * does not belong to APP_ID; 404: no such app). Other failures (GitHub unreachable, 5xx) are not
 * the credentials' fault: they are returned as `unverified`, and `/readyz` reports them.
 */
export async function verifyAppCredentials(auth: () => Promise<AppRequester>, appId: string): Promise<{ slug?: string } | { unverified: string }> {
  try {
    const octokit = await auth();
    const { data } = await octokit.request("GET /app");
    return data?.slug ? { slug: data.slug } : {};
  } catch (error) {
    const status = (error as { status?: number }).status;
    const message = (error as Error).message;
    if (status === 401 || status === 403) throw new Error(`berth cannot start: GitHub rejected the app's credentials (APP_ID ${appId} with this private key): ${status} ${message}`);
    if (status === 404) throw new Error(`berth cannot start: GitHub knows no app with APP_ID ${appId} (404)`);
    return { unverified: status === undefined ? message : `${status} ${message}` };
  }
}
