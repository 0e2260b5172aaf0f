import { Octokit } from "@octokit/core";
import { exchangeWebFlowCode, getWebFlowAuthorizationUrl } from "@octokit/oauth-methods";
import { accessFromPermissions, accessKey, type AccessMap, type RepoAccess } from "../src/dashboard/dashboard-access.js";

/** Signing in with GitHub through the App's user authorization (the web flow). */
export interface GitHubSignIn {
  /** Where the browser goes to authorize; GitHub sends it back to the callback with `code` and this `state`. */
  authorizeUrl(state: string): string;
  /**
   * Exchanges the callback's code for a user token, then reads who the person is and every
   * repository both they and the App can see, with their permission on it. The token is used for
   * these reads only and kept nowhere.
   */
  signIn(code: string): Promise<{ login: string; access: AccessMap }>;
}

/** Pages of installations, and of each installation's repositories, read at most (100 a page). */
const MAX_PAGES = 10;

export function createGitHubSignIn(input: {
  clientId: string;
  clientSecret: string;
  /** `<BERTH_PUBLIC_URL>/auth/callback`: one of the App's callback URLs. */
  redirectUrl: string;
  /** GitHub's web address (BERTH_GITHUB_URL), where the authorization and the code exchange go. */
  githubUrl: string;
  /** GitHub's REST API; default https://api.github.com. */
  apiUrl?: string;
}): GitHubSignIn {
  const web = new Octokit({ baseUrl: input.githubUrl });
  return {
    authorizeUrl: (state) => getWebFlowAuthorizationUrl({ clientType: "github-app", clientId: input.clientId, redirectUrl: input.redirectUrl, state, request: web.request }).url,
    async signIn(code) {
      const { authentication } = await exchangeWebFlowCode({ clientType: "github-app", clientId: input.clientId, clientSecret: input.clientSecret, code, redirectUrl: input.redirectUrl, request: web.request });
      const user = new Octokit({ auth: authentication.token, ...(input.apiUrl ? { baseUrl: input.apiUrl } : {}) });
      const { data: me } = await user.request("GET /user");
      const access = new Map<string, RepoAccess>();
      for (let page = 1; page <= MAX_PAGES; page++) {
        const { data } = await user.request("GET /user/installations", { per_page: 100, page });
        for (const installation of data.installations) {
          for (let repoPage = 1; repoPage <= MAX_PAGES; repoPage++) {
            const { data: repos } = await user.request("GET /user/installations/{installation_id}/repositories", { installation_id: installation.id, per_page: 100, page: repoPage });
            for (const repo of repos.repositories) {
              const level = accessFromPermissions(repo.permissions);
              if (level !== undefined) access.set(accessKey(repo.full_name), level);
            }
            if (repos.repositories.length < 100) break;
          }
        }
        if (data.installations.length < 100) break;
      }
      return { login: me.login, access };
    },
  };
}
