import { afterEach, describe, expect, it } from "vitest";
import { createHarness, readFixtureRepo, type Harness } from "../helpers/app-harness.js";
import { IMAGE, SHA1 } from "../helpers/app-fixtures.js";
import { pullRequestPayload } from "../helpers/webhook-payloads.js";

/** The mounted-files fixture: compose secrets, a config with the preview's URL, nginx's own config files. */
let h: Harness;
afterEach(() => {
  expect(h.github.problems()).toEqual([]);
  h.close();
});

async function open(harness: Harness) {
  await harness.receive("pull_request", pullRequestPayload("opened", { number: 7, sha: SHA1 }));
  await harness.settle();
}

/** Where each container of the task definition family `…-<service>` mounts what, as `container path (volume)`. */
function mounts(harness: Harness, service: string): string[] {
  const family = [...harness.aws.state.ecs.taskDefinitions.values()].filter((td) => td.family?.endsWith(`-${service}`)).at(-1);
  return (family?.containerDefinitions ?? []).flatMap((c) => (c.mountPoints ?? []).map((m) => `${c.name} ${m.containerPath} (${m.sourceVolume}${m.readOnly ? ", ro" : ""})`));
}

describe("files from the repository, compose secrets and configs, deployed", () => {
  it("reads them at the pull request's head through GitHub, listing the commit's tree once, and mounts them where Compose would", async () => {
    h = createHarness({ files: readFixtureRepo("mounted-files"), executable: ["docker-entrypoint.d/40-wait.sh"] });
    h.aws.putImage(IMAGE(SHA1));

    await open(h);

    expect(h.github.checkRun(SHA1)?.conclusion).toBe("success");
    expect(h.github.state.requests.filter((r) => r.includes("/git/trees/"))).toEqual([`GET /repos/acme/shop/git/trees/${SHA1}`]);
    expect(mounts(h, "nginx")).toEqual([
      "berth-image-files /berth-files/berth-files-1 (berth-files-1)",
      "berth-image-files /berth-files/berth-files-3 (berth-files-3)",
      "berth-dns-init /berth-files/berth-files-1 (berth-files-1)",
      "berth-dns-init /berth-files/berth-files-2 (berth-files-2)",
      "berth-dns-init /berth-files/berth-files-3 (berth-files-3)",
      "nginx /etc/nginx/conf.d (berth-files-1)",
      "nginx /etc/nginx/snippets (berth-files-2, ro)",
      "nginx /docker-entrypoint.d (berth-files-3)",
    ]);
    const init = [...h.aws.state.ecs.taskDefinitions.values()].filter((td) => td.family?.endsWith("-nginx")).at(-1)!.containerDefinitions!.find((c) => c.name === "berth-dns-init")!;
    expect(init.command?.[2]).toContain("chmod 0555 '/berth-files/berth-files-3/40-wait.sh'");
  });

  it("fails the deploy before touching AWS when a secret's file is not committed, saying which line and what to do", async () => {
    const files = readFixtureRepo("mounted-files");
    delete files["secrets/db_password.txt"];
    h = createHarness({ files });
    h.aws.putImage(IMAGE(SHA1));

    await open(h);

    const run = h.github.checkRun(SHA1);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.summary).toContain(
      'docker-compose.yml:11: services.db.secrets[0]: secret "db_password" reads ./secrets/db_password.txt, which is not in the repository at this commit; commit it, or map the secret to an SSM parameter in .github/preview.yml: `compose_secrets: {db_password: /<path>/db_password}`',
    );
    expect(h.aws.mutations()).toEqual([]);
  });
});
