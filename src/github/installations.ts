import type { Octokit } from "@octokit/core";
import type { AppGitHub, InstalledRepo } from "../preview/ports.js";
import { hasNextPage, requireGitHub } from "./github-error.js";

/**
 * The app's installations and their repositories through the REST API: `app()` authenticates as
 * the app (a JWT), `installation(id)` as one installation (a token).
 */
export function createAppGitHub(auth: { app: () => Promise<Octokit>; installation: (id: number) => Promise<Octokit> }): AppGitHub {
  return {
    async installations() {
      const octokit = await auth.app();
      const ids: number[] = [];
      for (let page = 1; ; page++) {
        const response = await requireGitHub(`list the app's installations, page ${page}`, () => octokit.request("GET /app/installations", { per_page: 100, page }));
        ids.push(...response.data.map((installation) => installation.id));
        if (!hasNextPage(response.headers)) break;
      }
      return ids;
    },

    async repositories(installationId, page) {
      const octokit = await auth.installation(installationId);
      const response = await requireGitHub(`list repositories of installation ${installationId}, page ${page}`, () =>
        octokit.request("GET /installation/repositories", { per_page: 100, page }),
      );
      const repos: InstalledRepo[] = response.data.repositories.map((r) => ({
        owner: r.owner.login,
        repo: r.name,
        installationId,
        defaultBranch: r.default_branch,
      }));
      return { repos, more: hasNextPage(response.headers) };
    },
  };
}
