import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { planPreview, type PreviewTarget } from "../../src/plan/plan-preview.js";
import { createDirReader, createMemoryReader, type RepoReader } from "../../src/util/repo-reader.js";
import { lintTemplate } from "../helpers/cfn-lint.js";

/**
 * The mounted-files fixture: Postgres reading POSTGRES_PASSWORD_FILE from a compose secret and an
 * init script from the repository, an app with a secret from SSM and a config holding the preview's
 * URL, nginx with its own config file, a folder of snippets and an entrypoint script.
 */
const REPO = path.join(import.meta.dirname, "..", "fixtures", "repos", "mounted-files");
const TARGET: PreviewTarget = { owner: "acme", repo: "shop", pr: 7, sha: "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e" };
/** cfn-lint starts its WASM engine on first use, which takes long on a busy machine. */
const LINT_TIMEOUT = 120_000;

type Join = { "Fn::Join": [string, unknown[]] };
type Container = {
  Name: string;
  Image: string;
  User?: string;
  EntryPoint?: string[];
  Command?: Array<string | Join>;
  Environment?: Array<{ Name: string; Value: string | Join }>;
  Secrets?: Array<{ Name: string; ValueFrom: string }>;
  MountPoints?: Array<{ SourceVolume: string; ContainerPath: string; ReadOnly: boolean }>;
  DependsOn?: Array<{ ContainerName: string; Condition: string }>;
  Essential?: boolean;
};
type TaskDefinition = { Family: string; ContainerDefinitions: Container[]; Volumes?: Array<{ Name: string }> };

async function plan(reader: RepoReader = createDirReader(REPO)) {
  const result = await planPreview({ reader, target: TARGET, baseStack: "berth-base" });
  if (!result) throw new Error("no .github/preview.yml");
  return result;
}

function taskDefinition(template: object, family: string): TaskDefinition {
  const resources = (template as { Resources: Record<string, { Type: string; Properties: TaskDefinition }> }).Resources;
  return Object.values(resources).find((r) => r.Type === "AWS::ECS::TaskDefinition" && r.Properties.Family.endsWith(`-${family}`))!.Properties;
}
const containerOf = (task: TaskDefinition, name: string) => task.ContainerDefinitions.find((c) => c.Name === name)!;

/** A template value as text, with the stack's parameters given example values. */
function text(value: unknown): string {
  if (typeof value === "string") return value;
  const join = (value as Join)["Fn::Join"];
  if (join) return join[1].map(text).join(join[0]);
  const ref = (value as { Ref?: string }).Ref;
  if (ref === "BaseNamespaceName") return "previews.local";
  if (ref === "BaseDomain") return "preview.example.com";
  throw new Error(`no example value for ${JSON.stringify(value)}`);
}

const scratch = mkdtempSync(path.join(tmpdir(), "berth-files-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Runs a task's image-files and init containers' scripts with `sh`, as Fargate would, on folders of
 * the scratch directory: `image` is the image's file system, `/berth-files` the task volumes.
 */
function runInitContainers(task: TaskDefinition, image: Record<string, string>, name: string): (volume: string) => string {
  const root = path.join(scratch, name);
  const files = path.join(root, "volumes");
  mkdirSync(root, { recursive: true });
  for (const [file, content] of Object.entries(image)) {
    mkdirSync(path.dirname(path.join(root, "image", file)), { recursive: true });
    writeFileSync(path.join(root, "image", file), content);
  }
  writeFileSync(path.join(root, "resolv.conf"), "nameserver 169.254.169.253\nsearch ec2.internal\n");
  for (const volume of task.Volumes ?? []) mkdirSync(path.join(files, volume.Name), { recursive: true });
  const local = (script: string, imagePaths: string[]) =>
    imagePaths
      .reduce((s, p) => s.split(`'${p}`).join(`'${path.join(root, "image")}${p}`), script)
      .split("/berth-files/")
      .join(`${files}/`)
      .replace("f=/etc/resolv.conf", `f=${path.join(root, "resolv.conf")}`);
  const copier = task.ContainerDefinitions.find((c) => c.Name === "berth-image-files");
  const kept = (task.ContainerDefinitions.find((c) => c.MountPoints?.some((m) => !m.ContainerPath.startsWith("/berth-files")) && !c.Name.startsWith("berth-"))?.MountPoints ?? []).map(
    (m) => m.ContainerPath,
  );
  if (copier) execFileSync("sh", ["-c", local(text(copier.Command![0]), kept)]);
  const init = containerOf(task, "berth-dns-init");
  const env = Object.fromEntries((init.Environment ?? []).map((e) => [e.Name, text(e.Value)]));
  const secrets = Object.fromEntries((init.Secrets ?? []).map((s) => [s.Name, `value of ${s.ValueFrom}`]));
  execFileSync("sh", ["-c", local(text(init.Command![2]), [])], { env: { PATH: process.env.PATH, ...env, ...secrets } });
  return (volume) => path.join(files, volume);
}

describe("files a compose file mounts, in the rendered template", () => {
  it("plans lint-clean", { timeout: LINT_TIMEOUT }, async () => {
    const { stack } = await plan();
    expect(await lintTemplate(stack.template, "mounted-files")).toEqual([]);
  });

  it("mounts one task volume per folder, fills folders the image has from the image first, and writes the files before the service starts", async () => {
    const { stack } = await plan();
    const nginx = taskDefinition(stack.template, "nginx");
    expect(nginx.ContainerDefinitions.map((c) => `${c.Name} ${c.Essential === false ? "init" : "essential"} after ${(c.DependsOn ?? []).map((d) => `${d.ContainerName} ${d.Condition}`).join(", ") || "nothing"}`)).toEqual([
      "berth-image-files init after nothing",
      "berth-dns-init init after berth-image-files SUCCESS",
      "nginx essential after berth-dns-init SUCCESS",
    ]);
    const copier = containerOf(nginx, "berth-image-files");
    expect({ image: copier.Image, user: copier.User, entryPoint: copier.EntryPoint }).toEqual({
      image: "public.ecr.aws/docker/library/nginx:1.27-alpine",
      user: "0",
      entryPoint: ["sh", "-c"],
    });
    expect(containerOf(nginx, "nginx").MountPoints).toEqual([
      { SourceVolume: "berth-files-1", ContainerPath: "/etc/nginx/conf.d", ReadOnly: false },
      { SourceVolume: "berth-files-2", ContainerPath: "/etc/nginx/snippets", ReadOnly: true },
      { SourceVolume: "berth-files-3", ContainerPath: "/docker-entrypoint.d", ReadOnly: false },
    ]);
    expect(nginx.Volumes).toEqual([{ Name: "berth-files-1" }, { Name: "berth-files-2" }, { Name: "berth-files-3" }]);
  });

  it("writes what the repository has at the commit, keeping the image's other files beside a mounted file, with the modes Compose gives", async () => {
    const { stack } = await plan();
    const volume = runInitContainers(
      taskDefinition(stack.template, "nginx"),
      {
        "/etc/nginx/conf.d/default.conf": "# the image's default server\n",
        "/etc/nginx/conf.d/gzip.conf": "gzip on;\n",
        "/docker-entrypoint.d/20-envsubst-on-templates.sh": "#!/bin/sh\n",
      },
      "nginx",
    );
    const repo = (file: string) => readFileSync(path.join(REPO, file), "utf8");
    const read = (file: string) => readFileSync(file, "utf8");
    const mode = (file: string) => (statSync(file).mode & 0o7777).toString(8).padStart(4, "0");
    expect(read(path.join(volume("berth-files-1"), "default.conf"))).toBe(repo("nginx/default.conf"));
    expect(read(path.join(volume("berth-files-1"), "gzip.conf"))).toBe("gzip on;\n");
    expect(read(path.join(volume("berth-files-2"), "proxy.conf"))).toBe(repo("nginx/snippets/proxy.conf"));
    expect(read(path.join(volume("berth-files-2"), "security-headers.conf"))).toBe(repo("nginx/snippets/security-headers.conf"));
    expect(read(path.join(volume("berth-files-3"), "40-wait.sh"))).toBe(repo("docker-entrypoint.d/40-wait.sh"));
    expect(read(path.join(volume("berth-files-3"), "20-envsubst-on-templates.sh"))).toBe("#!/bin/sh\n");
    expect([mode(path.join(volume("berth-files-1"), "default.conf")), mode(path.join(volume("berth-files-3"), "40-wait.sh"))]).toEqual(["0444", "0555"]);
  });

  it("writes compose secrets to /run/secrets: a file's from the template, an SSM parameter's from ECS, never its value", async () => {
    const { stack } = await plan();
    const app = taskDefinition(stack.template, "app");
    const init = containerOf(app, "berth-dns-init");
    expect(init.Secrets).toEqual([{ Name: "BERTH_FILE_1", ValueFrom: "/preview/shop/stripe_key" }]);
    expect(containerOf(app, "app").MountPoints).toEqual([
      { SourceVolume: "berth-files-1", ContainerPath: "/etc/shop", ReadOnly: false },
      { SourceVolume: "berth-files-2", ContainerPath: "/run/secrets", ReadOnly: true },
    ]);
    const volume = runInitContainers(app, {}, "app");
    const secrets = volume("berth-files-2");
    expect(readFileSync(path.join(secrets, "db_password"), "utf8")).toBe(readFileSync(path.join(REPO, "secrets/db_password.txt"), "utf8"));
    expect(readFileSync(path.join(secrets, "stripe_key"), "utf8")).toBe("value of /preview/shop/stripe_key");
    const stripe = statSync(path.join(secrets, "stripe_key"));
    expect({ mode: (stripe.mode & 0o777).toString(8), uid: stripe.uid }).toEqual({ mode: "400", uid: 1000 });
    // The config's ${PREVIEW_URL} is the preview's own address.
    expect(readFileSync(path.join(volume("berth-files-1"), "settings.toml"), "utf8")).toBe(
      '[site]\nbase_url = "https://shop-pr-7-acme-0000000000000000.preview.example.com"\ncurrency = "EUR"\n',
    );
  });

  it("gives a data service its files too: Postgres gets its password file and init script", async () => {
    const { stack } = await plan();
    const db = taskDefinition(stack.template, "db");
    const volume = runInitContainers(db, { "/docker-entrypoint-initdb.d/.keep": "" }, "db");
    expect(readFileSync(path.join(volume("berth-files-2"), "init.sql"), "utf8")).toBe(readFileSync(path.join(REPO, "db/init.sql"), "utf8"));
    expect(readFileSync(path.join(volume("berth-files-1"), "db_password"), "utf8")).toBe("local-dev-only-password\n");
  });

  it("refuses, naming the largest, files that would take more of the template than it can carry", async () => {
    // Text that does not compress: eight 5 KiB files of pseudo-random letters.
    let seed = 7;
    const noise = () =>
      Array.from({ length: 5 * 1024 }, () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return String.fromCharCode(97 + (seed % 26));
      }).join("");
    const files: Record<string, string> = {
      ".github/preview.yml": "service: web\n",
      "compose.yaml": "services:\n  web:\n    image: nginx\n    ports: ['80']\n    volumes:\n      - ./html:/usr/share/nginx/html:ro\n",
    };
    for (let i = 1; i <= 8; i += 1) files[`html/page-${i}.html`] = noise();
    const error = await plan(createMemoryReader(files)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(
      /^compose\.yaml:6: services: the files mounted into the preview's containers take \d+\.\d KiB of its stack template once compressed \(web: \.\/html \d+\.\d KiB; the release task carries web's again\); berth carries at most 16\.0 KiB: build the larger ones into their images \(COPY in the Dockerfile\)$/,
    );
  });
});

describe("a secret in a folder of its own under /run/secrets", () => {
  it("needs nothing from the service's image: no image-files container", async () => {
    const { stack } = await plan(
      createMemoryReader({
        ".github/preview.yml": "service: web\n",
        "compose.yaml": "services:\n  web:\n    image: nginx\n    ports: ['80']\n    secrets:\n      - source: token\n        target: api/token\nsecrets:\n  token:\n    file: ./token.txt\n",
        "token.txt": "t0ken\n",
      }),
    );
    const web = taskDefinition(stack.template, "web");
    expect(web.ContainerDefinitions.map((c) => c.Name)).toEqual(["berth-dns-init", "web"]);
    expect(containerOf(web, "web").MountPoints).toEqual([{ SourceVolume: "berth-files-1", ContainerPath: "/run/secrets/api", ReadOnly: true }]);
  });
});
