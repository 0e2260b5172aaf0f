import { describe, expect, it } from "vitest";
import { accessFromPermissions, filterRows, mayAct, mayRead, readableRows, type AccessMap } from "../../src/dashboard/dashboard-access.js";
import type { DashboardRow } from "../../src/dashboard/dashboard-row.js";

function row(repository: string, pr: number, state: DashboardRow["state"] = "ready"): DashboardRow {
  return { repository, pr, stack: `berth-${pr}`, state, services: [], phases: [] };
}

describe("accessFromPermissions", () => {
  it.each([
    [{ admin: true, push: true, pull: true }, "write"],
    [{ maintain: true, pull: true }, "write"],
    [{ push: true, pull: true }, "write"],
    [{ triage: true, pull: true }, "read"],
    [{ pull: true }, "read"],
    [{ pull: false, push: false }, undefined],
    [undefined, undefined],
  ])("%j gives %s", (permissions, access) => {
    expect(accessFromPermissions(permissions)).toBe(access);
  });
});

describe("the dashboard's permission model", () => {
  const access: AccessMap = new Map([
    ["acme/shop", "write"],
    ["acme/docs", "read"],
  ]);
  const rows = [row("acme/shop", 7), row("Acme/Docs", 3, "asleep"), row("acme/secret", 1)];

  it("shows a person only the previews of repositories they can read, whatever the case of the names", () => {
    expect(readableRows(rows, access).map((r) => `${r.repository}#${r.pr}`)).toEqual(["acme/shop#7", "Acme/Docs#3"]);
  });

  it("lets only people with write access act", () => {
    expect(mayAct(access, "ACME/shop")).toBe(true);
    expect(mayAct(access, "acme/docs")).toBe(false);
    expect(mayAct(access, "acme/secret")).toBe(false);
    expect(mayRead(access, "acme/secret")).toBe(false);
  });

  it("filters by repository and by state", () => {
    expect(filterRows(rows, { repository: "acme/docs" }).map((r) => r.pr)).toEqual([3]);
    expect(filterRows(rows, { state: "ready" }).map((r) => r.pr)).toEqual([7, 1]);
    expect(filterRows(rows, { repository: "acme/shop", state: "asleep" })).toEqual([]);
    expect(filterRows(rows, {})).toHaveLength(3);
  });
});
