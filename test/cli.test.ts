import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli.js";
import { lintTemplate } from "./helpers/cfn-lint.js";

const REPOS = path.join(import.meta.dirname, "fixtures", "repos");
const SHA = "0123456789abcdef0123456789abcdef01234567";

async function plan(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { env });
  return { code, stdout, stderr };
}

/** A copy of a fixture repository with some files replaced. */
function repoWith(name: string, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-cli-"));
  cpSync(path.join(REPOS, name), dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

describe("berth plan", () => {
  it.each([
    ["rails-postgres", ["bin/rails", "db:migrate"], ["bin/rails", "db:seed"]],
    ["django-nginx-postgres", ["python", "manage.py", "migrate", "--noinput"], ["python", "manage.py", "loaddata", "fixtures/demo.json"]],
    ["node-mysql-redis", ["node", "scripts/migrate.js"], ["node", "scripts/seed.js"]],
  ])("plans %s: one JSON object on stdout, a lint-clean template, migrate then seed", async (name, migrate, seed) => {
    const { code, stdout, stderr } = await plan(["plan", path.join(REPOS, name), "--repo", "acme/shop", "--pr", "42", "--sha", SHA, "--domain", "preview.example.com"]);

    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).toEqual(["stackName", "url", "hostKey", "template", "parameters", "release", "warnings"]);
    expect(out.stackName).toBe("berth-shop-pr-42-acme-d21b2c");
    expect(out.url).toBe("https://shop-pr-42-acme-0000000000000000.preview.example.com");
    expect(out.hostKey).toBe("unset: the host name ends in 0000000000000000, a stand-in for the secret a deploy derives with BERTH_HOST_KEY");
    expect(out.release).toEqual([
      { name: "migrate", command: migrate },
      { name: "seed", command: seed },
    ]);
    expect(await lintTemplate(out.template, name)).toEqual([]);
  });

  it("with BERTH_HOST_KEY shows the host a deploy gives, in the listener rule too", async () => {
    const key = "test-host-key-6f1d0c2a9b8e7d6c5b4a39281706f5e4";
    const { code, stdout, stderr } = await plan(["plan", path.join(REPOS, "rails-postgres"), "--repo", "acme/shop", "--pr", "42", "--sha", SHA, "--domain", "preview.example.com"], { BERTH_HOST_KEY: key });

    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    // HMAC-SHA256(key, "acme/shop#42"), base32, first 16 characters.
    expect(out.url).toBe("https://shop-pr-42-acme-oizlyle2yrfxekpb.preview.example.com");
    expect(out.hostKey).toBe("BERTH_HOST_KEY: the host name is the deployed one");
    expect(out.stackName).toBe("berth-shop-pr-42-acme-d21b2c");
    expect(out.template.Resources.PublicListenerRule.Properties.Conditions[0].HostHeaderConfig.Values).toEqual([{ "Fn::Join": [".", ["shop-pr-42-acme-oizlyle2yrfxekpb", { Ref: "BaseDomain" }]] }]);
  });

  it("refuses a BERTH_HOST_KEY shorter than berth accepts", async () => {
    const { code, stderr } = await plan(["plan", path.join(REPOS, "rails-postgres"), "--repo", "acme/shop", "--pr", "42", "--sha", SHA], { BERTH_HOST_KEY: "short" });

    expect(code).toBe(2);
    expect(stderr).toContain("berth plan: BERTH_HOST_KEY must be at least 32 characters, as berth requires\n");
  });

  it("gives url null without --domain, and names the warnings", async () => {
    const { code, stdout } = await plan(["plan", path.join(REPOS, "rails-postgres"), "--repo", "acme/shop", "--pr", "42", "--sha", SHA]);

    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.url).toBeNull();
    expect(out.warnings).toEqual([
      'docker-compose.yml:25: services.db.volumes[0]: volume "pgdata" is task storage on Fargate: its data lives as long as the task [named-volume-ephemeral]',
    ]);
  });

  it("shows the parameters a deploy would pass: the base outputs it was given, placeholders for the others", async () => {
    const listener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/berth/1/2";
    const { code, stdout, stderr } = await plan([
      "plan", path.join(REPOS, "rails-postgres"), "--repo", "acme/shop", "--pr", "42", "--sha", SHA,
      "--base-stack", "previews", "--domain", "preview.example.com", "--base-output", `ListenerArn=${listener}`, "--base-output", "ClusterName=previews",
    ]);

    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.parameters).toMatchObject({
      BaseClusterName: "previews",
      BaseListenerArn: listener,
      BaseDomain: "preview.example.com",
      BaseVpcId: "<output VpcId of stack previews>",
      ListenerRulePriority: "<allocated at deploy>",
    });
    expect(Object.keys(out.parameters).sort()).toEqual(Object.keys(out.template.Parameters).sort());
  });

  it("refuses a --base-output that is not one of the base stack's outputs", async () => {
    const { code, stderr } = await plan(["plan", path.join(REPOS, "rails-postgres"), "--repo", "acme/shop", "--pr", "42", "--sha", SHA, "--base-output", "Cluster=x"]);

    expect(code).toBe(2);
    expect(stderr).toContain('berth plan: --base-output must be NAME=VALUE with NAME one of ClusterName, ListenerArn,');
  });

  it("resolves the image for the commit from the config's template", async () => {
    const { stdout } = await plan(["plan", path.join(REPOS, "node-mysql-redis"), "--repo", "acme/shop", "--pr", "42", "--sha", SHA]);

    expect(JSON.stringify(JSON.parse(stdout).template)).toContain("123456789012.dkr.ecr.us-east-1.amazonaws.com/car-throttle/awesome:0123456");
  });

  it.each([
    [
      "a compose setting Fargate cannot run",
      { "docker-compose.yml": "services:\n  web:\n    build: .\n    privileged: true\n    ports: ['3000:3000']\n" },
      "docker-compose.yml:4: services.web.privileged: privileged containers are not allowed on Fargate; remove privileged: true\n",
    ],
    [
      "a bad config value",
      { ".github/preview.yml": "service: web\nport: web\n" },
      '.github/preview.yml:2: port: expected an integer from 1 to 65535, got "web"\n',
    ],
  ])("exits 1 on %s, with FILE:LINE lines on stderr and nothing on stdout", async (_name, files, expected) => {
    const { code, stdout, stderr } = await plan(["plan", repoWith("rails-postgres", files), "--repo", "acme/shop", "--pr", "42", "--sha", SHA]);

    expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: "", stderr: expected });
  });

  it("exits 1 when the directory has no .github/preview.yml", async () => {
    const { code, stdout, stderr } = await plan(["plan", path.join(REPOS, "..", "compose-spec"), "--repo", "acme/shop", "--pr", "1", "--sha", SHA]);

    expect({ code, stdout, stderr }).toEqual({
      code: 1,
      stdout: "",
      stderr: ".github/preview.yml: not found: previews are off for this repository (add .github/preview.yml)\n",
    });
  });

  it.each([
    [[], "berth: missing command"],
    [["deploy"], 'berth: unknown command "deploy"'],
    [["plan", "--pr", "1", "--sha", SHA], "berth plan: --repo OWNER/NAME is required"],
    [["plan", "--repo", "acme", "--pr", "1", "--sha", SHA], 'berth plan: --repo must be OWNER/NAME, got "acme"'],
    [["plan", "--repo", "acme/shop", "--pr", "0", "--sha", SHA], 'berth plan: --pr must be a positive whole number, got "0"'],
    [["plan", "--repo", "acme/shop", "--pr", "1", "--sha", "main"], 'berth plan: --sha must be a hexadecimal commit id, got "main"'],
    [["plan", "--repo", "acme/shop", "--pr", "1", "--sha", SHA, "--domain", "not a domain"], 'berth plan: --domain must be a DNS name such as preview.example.com, got "not a domain"'],
    [["plan", "--repo", "acme/shop", "--pr", "1", "--sha", SHA, "--bogus"], "berth plan: Unknown option '--bogus'"],
  ])("exits 2 on bad usage %j", async (args, line) => {
    const { code, stdout, stderr } = await plan(args);

    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.split("\n")[0]).toContain(line);
    expect(stderr).toContain("usage: berth plan [DIR]");
  });

  it("works as the installed `berth` command (bin/berth.js over the build that npm install makes)", async () => {
    const result = await promisify(execFile)(process.execPath, [path.join(import.meta.dirname, "..", "bin", "berth.js"), "plan", path.join(REPOS, "rails-postgres"), "--repo", "acme/shop", "--pr", "7", "--sha", SHA]).catch((error: { stderr?: string }) => {
      throw new Error(`bin/berth.js failed (run npm install, which builds dist/): ${error.stderr}`);
    });
    expect(JSON.parse(result.stdout).stackName).toBe("berth-shop-pr-7-acme-d21b2c");
  });
});
