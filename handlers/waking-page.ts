import { createHash } from "node:crypto";

/** Seconds between the waking page's looks at the preview, and its `Retry-After`. */
export const WAKING_POLL_SECONDS = 3;

// Asks for the page again, bypassing every cache; the waking page and the load balancer's own
// answer while the preview's target is not healthy yet are both 503, the app is anything else.
const SCRIPT = `(function(){var t=${WAKING_POLL_SECONDS * 1000};function look(){fetch(location.href,{cache:"no-store",credentials:"same-origin",redirect:"manual"}).then(function(r){if(r.status!==503)location.reload();else setTimeout(look,t);},function(){setTimeout(look,t);});}setTimeout(look,t);})();`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<noscript><meta http-equiv="refresh" content="${WAKING_POLL_SECONDS * 5}"></noscript>
<title>Waking up this preview</title>
<style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:34rem;margin:18vh auto;padding:0 1rem;color:#1f2328;background:#fff}@media (prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}}</style>
</head>
<body>
<main>
<h1>Waking up this preview</h1>
<p role="status" aria-live="polite">It was asleep because nobody had opened it for a while. It is starting now and this page opens it as soon as it answers, usually within a minute.</p>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;

/** The waking page's headers: 503 for a moment, never cached, no resource but its own inline script and style. */
export const WAKING_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "retry-after": String(WAKING_POLL_SECONDS),
  "content-security-policy": `default-src 'none'; connect-src 'self'; style-src 'unsafe-inline'; script-src 'sha256-${createHash("sha256").update(SCRIPT).digest("base64")}'; base-uri 'none'; form-action 'none'`,
  "x-content-type-options": "nosniff",
};

/**
 * The page a sleeping preview's URL answers while it wakes: it says so, names no preview, loads
 * nothing from elsewhere, and reloads onto the app once the app answers something other than 503.
 */
export function renderWakingPage(): string {
  return PAGE;
}
