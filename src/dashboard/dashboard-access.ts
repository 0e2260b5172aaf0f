import type { DashboardRow } from "./dashboard-row.js";

/** What a signed-in person may do with a repository's previews: see them, or act on them too. */
export type RepoAccess = "read" | "write";

/** A person's access by repository (`owner/repo`, compared without case); a repository not listed is not theirs to see. */
export type AccessMap = ReadonlyMap<string, RepoAccess>;

/**
 * The access GitHub's `permissions` of a repository give (as `GET /user/installations/{id}/repositories`
 * lists them for the signed-in person): push, maintain or admin may act, as `/preview` commands
 * need write access; pull or triage may look; nothing else may not.
 */
export function accessFromPermissions(permissions: { admin?: boolean; maintain?: boolean; push?: boolean; triage?: boolean; pull?: boolean } | undefined): RepoAccess | undefined {
  if (!permissions) return undefined;
  if (permissions.admin || permissions.maintain || permissions.push) return "write";
  if (permissions.pull || permissions.triage) return "read";
  return undefined;
}

/** The key of a repository in an AccessMap. */
export function accessKey(repository: string): string {
  return repository.toLowerCase();
}

/** Whether the person may see the repository's previews. */
export function mayRead(access: AccessMap, repository: string): boolean {
  return access.has(accessKey(repository));
}

/** Whether the person may redeploy, reset, destroy, wake or extend the repository's previews. */
export function mayAct(access: AccessMap, repository: string): boolean {
  return access.get(accessKey(repository)) === "write";
}

/** The rows of the repositories the person may read, nothing else. */
export function readableRows(rows: readonly DashboardRow[], access: AccessMap): DashboardRow[] {
  return rows.filter((row) => mayRead(access, row.repository));
}

/** What the page's filters ask for: a repository and a state, each absent for all. */
export interface DashboardFilter {
  repository?: string;
  state?: string;
}

/** The rows the filter keeps. */
export function filterRows(rows: readonly DashboardRow[], filter: DashboardFilter): DashboardRow[] {
  return rows.filter(
    (row) => (filter.repository === undefined || accessKey(row.repository) === accessKey(filter.repository)) && (filter.state === undefined || row.state === filter.state),
  );
}
