import { createHash } from "node:crypto";
import { formatAge } from "../src/cli/list-command.js";
import { DASHBOARD_STATES, type DashboardRow } from "../src/dashboard/dashboard-row.js";
import { DASHBOARD_LABEL, formatDuration, readableTime, shortSha, type DashboardActionId } from "../src/preview/index.js";
import { filterRows, mayAct, type AccessMap, type DashboardFilter } from "../src/dashboard/dashboard-access.js";

/**
 * The dashboard's pages, rendered on the server: no script, no asset from elsewhere, one inline
 * style allowed by its hash, every value escaped. A table on wide screens that reads as cards on a
 * phone; each state written in words; every control labelled and visibly focused.
 */

const STYLE = `
:root{color-scheme:light;--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;--link:#0550ae;--focus:#0969da}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;border-bottom:1px solid var(--line);background:var(--soft)}
header h1{font-size:1.25rem;margin:0}
main{padding:1rem;max-width:90rem;margin:0 auto}
a{color:var(--link)}
a:focus-visible,button:focus-visible,select:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.muted{color:var(--muted)}
.notice{border:1px solid #1a7f37;background:#dafbe1;padding:.5rem .75rem;border-radius:6px}
.notice.refused{border-color:#cf222e;background:#ffebe9}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin:1rem 0}
.filters div{display:flex;flex-direction:column}
label{font-weight:600;font-size:.875rem}
select,button{font:inherit;min-height:2.5rem;padding:.25rem .75rem;border:1px solid #8c959f;border-radius:6px;background:var(--bg);color:var(--fg)}
button{cursor:pointer;background:var(--soft)}
button.danger{color:#a40e26;border-color:#a40e26}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;vertical-align:top;padding:.5rem;border-bottom:1px solid var(--line)}
th{font-size:.875rem;background:var(--soft)}
td ul{margin:0;padding-left:1rem}
a.host{overflow-wrap:anywhere}
.state,.nowrap{white-space:nowrap}
ul.phases{padding:0;list-style:none;font-size:.875rem}
ul.phases li{display:inline}
ul.phases li+li::before{content:" · "}
.state{display:inline-block;font-weight:600;padding:0 .5rem;border-radius:1rem;border:2px solid}
.state-ready{border-color:#1a7f37}.state-deploying{border-color:#9a6700}.state-failed{border-color:#cf222e}.state-asleep{border-color:#6e7781}.state-removing{border-color:#6e7781}
.actions{display:flex;flex-wrap:wrap;gap:.25rem}
.actions form{margin:0}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:48rem){
thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table,tbody,tr,td{display:block;width:100%}
tr{border:1px solid var(--line);border-radius:8px;margin-bottom:1rem;padding:.25rem .5rem}
td{border:0;display:grid;grid-template-columns:7rem 1fr;gap:.5rem;padding:.35rem 0}
td::before{content:attr(data-label);font-weight:600;color:var(--muted)}
}
`;

/** The headers of every dashboard page: never cached, nothing but the page's own style, not framed. */
export const PAGE_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": `default-src 'none'; style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
};

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function layout(title: string, header: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>berth: live previews</h1>${header}</header>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The page of a person not signed in: what the dashboard is, and the way in. */
export function renderSignInPage(notice?: string): string {
  return layout(
    "Sign in - berth",
    "",
    `${notice === undefined ? "" : `<p class="notice refused" role="alert">${escapeHtml(notice)}</p>`}
<p>The live previews of pull requests that berth runs, for the repositories you can read on GitHub.</p>
<p><a href="/auth/login">Sign in with GitHub</a></p>`,
  );
}

/** A page that says what went wrong and what to do, with a way back. */
export function renderMessagePage(title: string, message: string): string {
  return layout(`${title} - berth`, "", `<h2>${escapeHtml(title)}</h2>\n<p role="alert">${escapeHtml(message)}</p>\n<p><a href="/">Back to the dashboard</a></p>`);
}

/** What the list page shows. */
export interface DashboardView {
  login: string;
  /** The rows the person may read, before the filter. */
  rows: readonly DashboardRow[];
  access: AccessMap;
  filter: DashboardFilter;
  csrf: string;
  notice?: { text: string; refused?: boolean };
  /** GitHub's web address, for links to pull requests and commits. */
  githubUrl: string;
  now: Date;
}

/** The list of previews: filters, then one row (a card on a phone) per preview. */
export function renderDashboardPage(view: DashboardView): string {
  const repositories = [...new Set(view.rows.map((r) => r.repository))].sort();
  const shown = filterRows(view.rows, view.filter);
  const option = (value: string, label: string, selected: boolean) => `<option value="${escapeHtml(value)}"${selected ? " selected" : ""}>${escapeHtml(label)}</option>`;
  const header = `<form method="post" action="/auth/logout"><span class="muted">Signed in as ${escapeHtml(view.login)}</span> <input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}"><button type="submit">Sign out</button></form>`;
  const notice = view.notice === undefined ? "" : `<p class="notice${view.notice.refused ? " refused" : ""}" role="${view.notice.refused ? "alert" : "status"}">${escapeHtml(view.notice.text)}</p>`;
  const filters = `<form class="filters" method="get" action="/" aria-label="Filter previews">
<div><label for="filter-repository">Repository</label><select id="filter-repository" name="repository">${option("", "All repositories", view.filter.repository === undefined)}${repositories.map((r) => option(r, r, r.toLowerCase() === view.filter.repository?.toLowerCase())).join("")}</select></div>
<div><label for="filter-state">State</label><select id="filter-state" name="state">${option("", "All states", view.filter.state === undefined)}${DASHBOARD_STATES.map((s) => option(s, s, s === view.filter.state)).join("")}</select></div>
<button type="submit">Filter</button>
</form>`;
  const count = `<p class="muted" role="status">${shown.length} of ${view.rows.length} preview${view.rows.length === 1 ? "" : "s"} shown.</p>`;
  const list =
    shown.length === 0
      ? `<p>${view.rows.length === 0 ? "No live previews in the repositories you can read." : "No preview matches these filters."}</p>`
      : `<table>
<caption class="sr-only">Live previews</caption>
<thead><tr><th scope="col">Pull request</th><th scope="col">State</th><th scope="col">Commit</th><th scope="col">URL</th><th scope="col">Age</th><th scope="col">Last deploy</th><th scope="col">Size</th><th scope="col">Cost</th><th scope="col">Sleep and expiry</th><th scope="col">Actions</th></tr></thead>
<tbody>
${shown.map((row) => renderRow(row, view)).join("\n")}
</tbody>
</table>`;
  return layout("Live previews - berth", header, `${notice}\n${filters}\n${count}\n${list}`);
}

function renderRow(row: DashboardRow, view: DashboardView): string {
  const repo = escapeHtml(row.repository);
  const pullUrl = `${view.githubUrl}/${row.repository}/pull/${row.pr}`;
  // One element inside each cell: on a phone the cell is a two-column grid, its label and this.
  const cell = (label: string, html: string) => `<td data-label="${label}"><div>${html}</div></td>`;
  const commit = (sha: string) => `<a href="${escapeHtml(`${view.githubUrl}/${row.repository}/commit/${sha}`)}"><code>${escapeHtml(shortSha(sha))}</code></a>`;
  const pull = `<a class="nowrap" href="${escapeHtml(pullUrl)}">${repo}#${row.pr}</a>${row.title === undefined ? "" : `<br>${escapeHtml(row.title)}`}${row.branch === undefined ? "" : `<br><span class="muted">branch <code>${escapeHtml(row.branch)}</code></span>`}`;
  const state = `<span class="state state-${row.state}">${row.state}</span>${row.asleepSince ? `<br><span class="muted">since ${readableTime(row.asleepSince)}</span>` : ""}`;
  const commits = row.sha === undefined && row.deploying === undefined ? "-" : [row.sha ? `${commit(row.sha)}` : "", row.deploying ? `<span class="muted">deploying</span> ${commit(row.deploying)}` : ""].filter(Boolean).join("<br>");
  const url = row.url !== undefined && /^https?:\/\//.test(row.url) ? `<a class="host" href="${escapeHtml(row.url)}">${escapeHtml(row.url.replace(/^https?:\/\//, ""))}</a>` : "-";
  const age = row.createdAt === undefined ? "-" : `${formatAge(row.createdAt, view.now)}<br><span class="muted">${readableTime(row.createdAt)}</span>`;
  const phases = row.phases.length === 0 ? "-" : `<ul class="phases">${row.phases.map((p) => `<li>${escapeHtml(p.phase)} ${formatDuration(p.durationMs)}</li>`).join("")}</ul>`;
  const size = row.services.length === 0 ? "-" : `<ul>${row.services.map((s) => `<li>${escapeHtml(s.name)}: ${trim(s.vcpu)} vCPU, ${trim(s.gb)} GiB${s.tasks > 1 ? ` (${s.tasks} tasks)` : ""}</li>`).join("")}</ul>`;
  const cost =
    row.perHour === undefined
      ? "-"
      : `${money(row.perHour)}/h awake${row.asleepPerHour === undefined ? "" : `<br>${money(row.asleepPerHour)}/h asleep`}${row.soFar === undefined ? "" : `<br>${money(row.soFar)} so far`}`;
  const idle = [
    row.sleepsAt ? `sleeps ${when(row.sleepsAt, view.now)} at the earliest` : "",
    row.expiresAt ? `expires ${when(row.expiresAt, view.now)} at the earliest` : "",
  ].filter(Boolean);
  return `<tr>${cell("Pull request", pull)}${cell("State", state)}${cell("Commit", commits)}${cell("URL", url)}${cell("Age", age)}${cell("Last deploy", phases)}${cell("Size", size)}${cell("Cost", cost)}${cell("Sleep and expiry", idle.length === 0 ? "never" : idle.join("<br>"))}${cell("Actions", renderActions(row, view))}</tr>`;
}

/** The buttons of a person with write access; a reader sees none. */
function renderActions(row: DashboardRow, view: DashboardView): string {
  if (!mayAct(view.access, row.repository)) return `<span class="muted">read only</span>`;
  if (row.state === "removing") return "-";
  const actions: DashboardActionId[] = ["redeploy", "reset"];
  if (row.state === "asleep") actions.push("wake");
  else if (row.sleepsAt || row.expiresAt) actions.push("extend");
  actions.push("destroy");
  const [owner, repo] = row.repository.split("/");
  const what = `${row.repository}#${row.pr}`;
  const forms = actions.map(
    (action) =>
      `<form method="post" action="/previews/${encodeURIComponent(owner!)}/${encodeURIComponent(repo!)}/${row.pr}/${action}"><input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}"><button type="submit"${action === "destroy" ? ' class="danger"' : ""}>${DASHBOARD_LABEL[action]}<span class="sr-only"> ${escapeHtml(what)}</span></button></form>`,
  );
  return `<div class="actions">${forms.join("")}</div>`;
}

function when(at: Date, now: Date): string {
  return at <= now ? `now (due ${readableTime(at)})` : `in ${formatAge(now, at)} (${readableTime(at)})`;
}

function money(amount: number): string {
  return amount > 0 && amount < 0.01 ? `$${amount.toFixed(4)}` : `$${amount.toFixed(2)}`;
}

function trim(value: number): string {
  return String(Math.round(value * 100) / 100);
}
