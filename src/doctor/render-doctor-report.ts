import type { CheckResult, DoctorReport } from "./run-doctor.js";

const SYMBOL: Record<CheckResult["status"], string> = { pass: "✓", fail: "✗", skip: "○" };

/**
 * The report as the operator reads it in a terminal: one line per check (✓, ✗, or ○ when it was
 * skipped, with why), the fix under each failure, details indented, and a closing count.
 */
export function renderDoctorReport(report: DoctorReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    if (check.status === "skip") lines.push(`${SYMBOL.skip} ${check.title}: skipped (${check.fix ?? "not run"})`);
    else {
      lines.push(`${SYMBOL[check.status]} ${check.title}`);
      if (check.status === "fail" && check.fix) lines.push(`    fix: ${check.fix}`);
    }
    for (const detail of check.details ?? []) lines.push(`    - ${detail}`);
  }
  const count = (status: CheckResult["status"]) => report.checks.filter((c) => c.status === status).length;
  const skipped = count("skip") > 0 ? `, ${count("skip")} skipped` : "";
  lines.push("");
  lines.push(report.ok ? `All checks passed (${count("pass")} passed${skipped}).` : `${count("fail")} of ${report.checks.length} checks failed (${count("pass")} passed${skipped}).`);
  return `${lines.join("\n")}\n`;
}

/** The report as JSON for scripts: `{ ok, checks: [{ id, status, title, fix?, details? }] }`. */
export function renderDoctorJson(report: DoctorReport): string {
  return `${JSON.stringify({ ok: report.ok, checks: report.checks }, null, 2)}\n`;
}
