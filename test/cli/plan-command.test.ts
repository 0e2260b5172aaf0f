import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/index.js";
import { lintTemplate } from "../helpers/cfn-lint.js";
import { repoWith } from "../helpers/fixture-checkout.js";

const REPOS = path.join(import.meta.dirname, "..", "fixtures", "repos");
/** A folder outside any git checkout: nothing to take --repo or --sha from. */
const NOT_A_CHECKOUT = mkdtempSync(path.join(tmpdir(), "berth-cli-bare-"));
const SHA = "0123456789abcdef0123456789abcdef01234567";

async function plan(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { env });
  return { code, stdout, stderr };
}

/** A copy of a fixture repository with some files replaced. */
function out0(stdout: string): { warnings: string[] } {
  return JSON.parse(stdout) as { warnings: string[] };
}

describe("berth plan", () => {
  it.each([
    ["rails-postgres", ["bin/rails", "db:migrate"], ["bin/rails", "db:seed"]],
    ["django-nginx-postgres", ["python", "manage.py", "migrate", "--noinput"], ["python", "manage.py", "loaddata", "fixtures/demo.json"]],
    ["node-mysql-redis", ["node", "scripts/migrate.js"], ["node", "scripts/seed.js"]],
  ])("plans %s: one JSON object on stdout, a lint-clean template, migrate then seed", async (name, migrate, seed) => {
    const { code, stdout, stderr } = await plan(["plan", path.join(REPOS, name), "--repo", "acme/shop", "--pr", "42", "--sha", SHA, "--domain", "preview.example.com", "--json"]);

    expect(stderr).toBe(out0(stdout).warnings.map((w: string) => `warning: ${w}\n`).join(""));
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).toEqual(["stackName", "url", "hostKey", "services", "release", "price", "warnings", "parameters", "template"]);
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
    const { code, stdout } = await plan(["plan", path.join(REPOS, "rails-postgres"), "--repo", "acme/shop", "--pr", "42", "--sha", SHA, "--domain", "preview.example.com", "--json"], { BERTH_HOST_KEY: key });

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
    const { code, stdout } = await plan(["plan", path.join(REPOS, "rails-postgres"), "--repo", "acme/shop", "--pr", "42", "--sha", SHA, "--json"]);

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
      "--base-stack", "previews", "--domain", "preview.example.com", "--base-output", `ListenerArn=${listener}`, "--base-output", "ClusterName=previews", "--json",
    ]);

    expect(stderr).toBe('warning: docker-compose.yml:25: services.db.volumes[0]: volume "pgdata" is task storage on Fargate: its data lives as long as the task [named-volume-ephemeral]\n');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.parameters).toMatchObject({
      BaseClusterName: "previews",
      BaseListenerArn: listener,
      BaseDomain: "preview.example.com",
      BaseVpcId: "<output VpcId of stack previews>",
      ListenerRulePriority: "<allocated at deploy>",
      AsleepTargetGroupArn: "",
    });
    expect(Object.keys(out.parameters).sort()).toEqual(Object.keys(out.template.Parameters).sort());
  });

  it("refuses a --base-output that is not one of the base stack's outputs", async () => {
    const { code, stderr } = await plan(["plan", path.join(REPOS, "rails-postgres"), "--repo", "acme/shop", "--pr", "42", "--sha", SHA, "--base-output", "Cluster=x"]);

    expect(code).toBe(2);
    expect(stderr).toContain('berth plan: --base-output must be NAME=VALUE with NAME one of ClusterName, ListenerArn,');
  });

  it("resolves the image for the commit from the config's template", async () => {
    const { stdout } = await plan(["plan", path.join(REPOS, "node-mysql-redis"), "--repo", "acme/shop", "--pr", "42", "--sha", SHA, "--json"]);

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
    [["deploy"], 'berth: unknown command "deploy"; known: plan, validate, list, doctor'],
    [["plan", NOT_A_CHECKOUT, "--pr", "1", "--sha", SHA], `berth plan: --repo OWNER/NAME is required (${NOT_A_CHECKOUT} has no GitHub remote "origin" to take it from)`],
    [["plan", "--repo", "acme", "--pr", "1", "--sha", SHA], 'berth plan: --repo must be OWNER/NAME, got "acme"'],
    [["plan", "--repo", "acme/shop", "--pr", "0", "--sha", SHA], 'berth plan: --pr must be a positive whole number, got "0"'],
    [["plan", "--repo", "acme/shop", "--pr", "1", "--sha", "main"], 'berth plan: --sha must be a hexadecimal commit id, got "main"'],
    [["plan", "--repo", "acme/shop", "--pr", "1", "--sha", SHA, "--domain", "not a domain"], 'berth plan: --domain must be a DNS name such as preview.example.com, got "not a domain"'],
    [["plan", "--repo", "acme/shop", "--pr", "1", "--sha", SHA, "--bogus"], "berth plan: Unknown option '--bogus'; known options: --repo, --pr, --sha, --branch, --domain, --region, --base-stack, --base-output, --json, --output, --help"],
  ])("exits 2 on bad usage %j", async (args, line) => {
    const { code, stdout, stderr } = await plan(args);

    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.split("\n")[0]).toContain(line);
    expect(stderr).toContain(args[0] === "plan" ? "usage: berth plan [DIR]" : "usage: berth <command>");
  });

  it("works as the installed `berth` command (bin/berth.js over the build that npm install makes)", async () => {
    const result = await promisify(execFile)(process.execPath, [path.join(import.meta.dirname, "..", "..", "bin", "berth.js"), "plan", path.join(REPOS, "rails-postgres"), "--repo", "acme/shop", "--pr", "7", "--sha", SHA, "--json"]).catch((error: { stderr?: string }) => {
      throw new Error(`bin/berth.js failed (run npm install, which builds dist/): ${error.stderr}`);
    });
    expect(JSON.parse(result.stdout).stackName).toBe("berth-shop-pr-7-acme-d21b2c");
  });
});

describe("berth plan on a terminal", () => {
  const args = ["plan", path.join(REPOS, "rails-postgres"), "--repo", "acme/shop", "--pr", "42", "--sha", SHA, "--domain", "preview.example.com", "--region", "us-east-1"];

  it("prints a readable summary, not the template: services, URL, volumes, release steps, price, warnings with codes", async () => {
    const { code, stdout, stderr } = await plan(args);

    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toBe(
      [
        "Stack     berth-shop-pr-42-acme-d21b2c",
        "URL       https://shop-pr-42-acme-0000000000000000.preview.example.com (0000000000000000 stands in for the secret BERTH_HOST_KEY gives)",
        "",
        "Services",
        `  web  123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:${SHA}  0.25 vCPU / 0.5 GiB  port 3000 (public)`,
        "  db   public.ecr.aws/docker/library/postgres:16-alpine                                            0.25 vCPU / 0.5 GiB",
        "",
        "Volumes",
        "  db: pgdata:/var/lib/postgresql/data",
        "",
        "Release, in order",
        "  1. migrate: bin/rails db:migrate",
        "  2. seed: bin/rails db:seed",
        "",
        "Price     $0.0247 an hour while awake (0.5 vCPU, 1 GiB of Fargate in us-east-1, prices of 2026-12)",
        "Warnings  1",
        '  docker-compose.yml:25: services.db.volumes[0]: volume "pgdata" is task storage on Fargate: its data lives as long as the task [named-volume-ephemeral]',
        "",
      ].join("\n"),
    );
  });

  it("shows one-shot services as such and says how to get the URL and price when it cannot", async () => {
    const { code, stdout } = await plan(["plan", path.join(REPOS, "real-world", "helpdesk-selfhosted"), "--repo", "acme/desk", "--pr", "2", "--sha", SHA]);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}createbuckets +quay\.io\/minio\/mc:\S+ +0\.25 vCPU \/ 0\.5 GiB {2}one-shot$/m);
    expect(stdout).toContain("Release, in order\n  1. init:createbuckets\n  2. migrate: python manage.py migrate --noinput\n  3. seed: python manage.py loaddata demo_workspace\n");
    expect(stdout).toContain("URL       (pass --domain to see it)\n");
    expect(stdout).toContain("Price     unknown: pass --region\n");
    expect(stdout).not.toContain('"Resources"');
  });

  it("writes the template only when asked, to DIR/template.json, and says so on stderr", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "berth-cli-out-")), "plan");
    const { code, stdout, stderr } = await plan([...args, "--output", out]);

    expect(code).toBe(0);
    expect(stderr).toBe(`wrote ${path.join(out, "template.json")}\n`);
    expect(stdout.startsWith("Stack     berth-shop-pr-42-acme-d21b2c\n")).toBe(true);
    const template = JSON.parse(readFileSync(path.join(out, "template.json"), "utf8"));
    expect(template.Resources.WebService.Type).toBe("AWS::ECS::Service");
  });

  it("says a missing directory is missing", async () => {
    const { code, stdout, stderr } = await plan(["plan", "no/such/dir", "--repo", "acme/shop", "--pr", "1", "--sha", SHA]);

    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr.split("\n")[0]).toBe("berth plan: no/such/dir: no such directory");
  });

  it("takes --repo, --sha and --branch from the checkout's GitHub remote and HEAD", async () => {
    const config = readFileSync(path.join(REPOS, "rails-postgres", ".github", "preview.yml"), "utf8").replace("shop:{sha}", "shop:{branch}-{sha}");
    const dir = repoWith("rails-postgres", { ".github/preview.yml": config });
    const git = (...a: string[]) => execFileSync("git", ["-C", dir, ...a], { env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } });
    git("init", "-q", "-b", "feature/login");
    git("remote", "add", "origin", "git@github.com:Acme/shop.git");
    git("add", "-A");
    git("commit", "-q", "-m", "fixture");
    const head = git("rev-parse", "HEAD").toString().trim();

    const { code, stdout } = await plan(["plan", dir, "--pr", "5", "--json"]);

    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.stackName).toBe("berth-shop-pr-5-acme-d21b2c");
    expect(out.services.find((s: { name: string }) => s.name === "web").image).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:feature-login-${head}`);
  });
});

describe("berth's help and version", () => {
  it.each([
    [["--help"], "usage: berth <command> [options]"],
    [["help"], "usage: berth <command> [options]"],
    [["help", "plan"], "usage: berth plan [DIR]"],
    [["plan", "--help"], "usage: berth plan [DIR]"],
    [["validate", "--help"], "usage: berth validate [DIR]"],
    [["list", "--help"], "usage: berth list"],
    [["doctor", "--help"], "usage: berth doctor"],
  ])("%j answers on stdout with exit 0", async (args, first) => {
    const { code, stdout, stderr } = await plan(args);

    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.startsWith(first)).toBe(true);
  });

  it("--version prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(path.join(import.meta.dirname, "..", "..", "package.json"), "utf8"));
    const { code, stdout } = await plan(["--version"]);

    expect({ code, stdout }).toEqual({ code: 0, stdout: `berth ${version}\n` });
  });
});
