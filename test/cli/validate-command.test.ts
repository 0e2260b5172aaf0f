import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/index.js";
import { repoWith } from "../helpers/fixture-checkout.js";

const REPOS = path.join(import.meta.dirname, "..", "fixtures", "repos");

async function validate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["validate", ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { env: {} });
  return { code, stdout, stderr };
}

describe("berth validate", () => {
  it("passes a valid repository with no flags, naming the files it read and printing warnings as FILE:LINE lines on stderr", async () => {
    const { code, stdout, stderr } = await validate([repoWith("rails-postgres", {})]);

    expect(code).toBe(0);
    expect(stdout).toBe("valid: .github/preview.yml, docker-compose.yml (1 warning)\n");
    expect(stderr).toBe('docker-compose.yml:25: services.db.volumes[0]: volume "pgdata" is task storage on Fargate: its data lives as long as the task [named-volume-ephemeral]\n');
  });

  it.each([
    ["a compose setting Fargate cannot run", { "docker-compose.yml": "services:\n  web:\n    build: .\n    privileged: true\n    ports: ['3000:3000']\n" }, "docker-compose.yml:4: services.web.privileged: privileged containers are not allowed on Fargate; remove privileged: true\n"],
    ["a bad config value", { ".github/preview.yml": "service: web\nport: web\n" }, '.github/preview.yml:2: port: expected an integer from 1 to 65535, got "web"\n'],
    ["a config naming a service the compose file lacks", { ".github/preview.yml": "service: api\nport: 3000\nimage: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:{sha}\n" }, ".github/preview.yml:1: "],
  ])("exits 1 on %s with FILE:LINE: message on stderr", async (_name, files, expected) => {
    const { code, stdout, stderr } = await validate([repoWith("rails-postgres", files)]);

    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr.startsWith(expected)).toBe(true);
  });

  it("exits 1 when there is no .github/preview.yml", async () => {
    const { code, stderr } = await validate([path.join(REPOS, "..", "compose-spec")]);

    expect({ code, stderr }).toEqual({ code: 1, stderr: ".github/preview.yml: not found: previews are off for this repository (add .github/preview.yml)\n" });
  });

  it.each([
    [["no/such/dir"], "berth validate: no/such/dir: no such directory"],
    [["a", "b"], "berth validate: expected at most one DIR, got 2"],
    [["--json"], "berth validate: Unknown option '--json'; known options: --help"],
  ])("exits 2 on bad usage %j", async (args, line) => {
    const { code, stdout, stderr } = await validate(args);

    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr.split("\n")[0]).toBe(line);
  });
});
