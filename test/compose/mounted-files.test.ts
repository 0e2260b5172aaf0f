import { describe, expect, it } from "vitest";
import { loadCompose } from "../../src/compose/load-compose.js";
import type { ComposeFileMount } from "../../src/compose/model.js";
import { InputError } from "../../src/errors.js";
import { createDirReader, createMemoryReader } from "../../src/util/repo-reader.js";
import { warningLines } from "./helpers.js";

const fixture = createDirReader(new URL("../fixtures/repos/mounted-files", import.meta.url).pathname);
const mapped = { byName: {}, byVariable: { STRIPE_KEY: "/preview/shop/stripe_key" } };

/** A mount as a reviewer reads it: target, kind and each file's path, mode and where its content comes from. */
function describeMount(mount: ComposeFileMount): string[] {
  return mount.files.map((f) => {
    const where = "parameter" in f.content ? `from ${f.content.parameter}` : `${Buffer.byteLength(f.content.text)} bytes`;
    const owner = f.uid === undefined && f.gid === undefined ? "" : ` owner ${f.uid ?? ""}:${f.gid ?? ""}`;
    return `${mount.target}${f.path === "" ? "" : `/${f.path}`} ${f.mode}${owner} ${where}${mount.readOnly ? " ro" : ""}`;
  });
}

async function refusal(compose: string, files: Record<string, string> = {}, options: Parameters<typeof loadCompose>[2] = {}): Promise<string> {
  const error = await loadCompose(createMemoryReader({ "compose.yaml": compose, ...files }), undefined, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).message;
}

describe("files a real compose file gives its containers (mounted-files fixture)", () => {
  it("mounts compose secrets, configs and repository files where Compose puts them", async () => {
    const project = await loadCompose(fixture, undefined, { secretParameters: mapped });
    const mounts = Object.fromEntries(project.services.map((s) => [s.name, s.files.flatMap(describeMount)]));
    expect(mounts).toEqual({
      db: ["/docker-entrypoint-initdb.d/init.sql 0444 79 bytes ro", "/run/secrets/db_password 0444 24 bytes ro"],
      app: [
        "/run/secrets/db_password 0444 24 bytes ro",
        "/run/secrets/stripe_key 0400 owner 1000: from /preview/shop/stripe_key ro",
        "/etc/shop/settings.toml 0444 59 bytes ro",
      ],
      nginx: [
        "/etc/nginx/conf.d/default.conf 0444 355 bytes ro",
        "/etc/nginx/snippets/proxy.conf 0444 199 bytes ro",
        "/etc/nginx/snippets/security-headers.conf 0444 163 bytes ro",
        "/docker-entrypoint.d/40-wait.sh 0555 178 bytes ro",
      ],
    });
    expect(project.services.find((s) => s.name === "nginx")!.files.map((m) => `${m.label} ${m.directory ? "folder" : "file"} line ${m.line}`)).toEqual([
      "./nginx/default.conf file line 46",
      "./nginx/snippets folder line 47",
      "./docker-entrypoint.d/40-wait.sh file line 48",
    ]);
    // Nothing about these files is ignored any more.
    expect(project.warnings.map((w) => w.code)).toEqual(["named-volume-ephemeral", "published-port-ignored"]);
  });

  it("takes a secret from .github/preview.yml `compose_secrets` before the repository's file, which then need not exist", async () => {
    const reader = createMemoryReader({
      "compose.yaml": "services:\n  db:\n    image: postgres\n    secrets: [db_password]\nsecrets:\n  db_password:\n    file: ./secrets/db_password.txt\n",
    });
    const project = await loadCompose(reader, undefined, { secretParameters: { byName: { db_password: "/preview/shop/db" }, byVariable: {} } });
    expect(project.services[0]!.files.flatMap(describeMount)).toEqual(["/run/secrets/db_password 0444 from /preview/shop/db ro"]);
  });

  it("gives a secret with an environment source the variable's value from .env", async () => {
    const project = await loadCompose(
      createMemoryReader({
        "compose.yaml": "services:\n  web:\n    image: app\n    secrets:\n      - source: token\n        target: api/token\n        mode: 0440\nsecrets:\n  token:\n    environment: API_TOKEN\n",
        ".env": "API_TOKEN=dev-token\n",
      }),
    );
    expect(project.services[0]!.files.flatMap(describeMount)).toEqual(["/run/secrets/api/token 0440 9 bytes ro"]);
  });
});

describe("bind mounts", () => {
  it("leaves the build context of the service itself, the whole repository and host paths unmounted, saying why", async () => {
    const compose = [
      "services:",
      "  php:",
      "    build: .",
      "    volumes:",
      "      - ./:/var/www",
      "  nginx:",
      "    image: nginx",
      "    volumes:",
      "      - ./:/var/www",
      "      - ./docker/nginx/conf.d:/etc/nginx/conf.d",
      "      - /var/run/docker.sock:/var/run/docker.sock",
      "      - ~/.aws:/root/.aws:ro",
      "      - ./data/logs:/var/log/nginx",
      "  assets:",
      "    image: nginx",
      "    volumes:",
      "      - ./frontend:/usr/share/nginx/html:ro",
      "  frontend:",
      "    build: ./frontend",
      "",
    ].join("\n");
    const project = await loadCompose(
      createMemoryReader({ "compose.yaml": compose, "docker/nginx/conf.d/app.conf": "server {}\n", "frontend/index.html": "<h1>shop</h1>\n" }),
    );
    expect(warningLines(project)).toEqual([
      "bind-mount-ignored compose.yaml:5: services.php.volumes[0]: host path ./ not mounted: the image holds the code on Fargate",
      "bind-mount-ignored compose.yaml:9: services.nginx.volumes[0]: ./ not mounted at /var/www: it is the whole repository, whose code on Fargate is in the images built from it, not beside this service; mount only the folders this service needs (like ./docker/nginx), or build what it serves into its image",
      "bind-mount-ignored compose.yaml:11: services.nginx.volumes[2]: host path /var/run/docker.sock not mounted: a Fargate task has no host files; only files in the repository can be mounted",
      "bind-mount-ignored compose.yaml:12: services.nginx.volumes[3]: host path ~/.aws not mounted: a Fargate task has no host files; only files in the repository can be mounted",
      "bind-mount-ignored compose.yaml:13: services.nginx.volumes[4]: ./data/logs is not in the repository, so nothing is mounted at /var/log/nginx: the path keeps the image's files, on task storage",
      'bind-mount-ignored compose.yaml:17: services.assets.volumes[0]: ./frontend not mounted at /usr/share/nginx/html: it is the code of "frontend" (its build context), which on Fargate is in that image, not beside this service; mount only the folders this service needs (like ./docker/nginx), or build what it serves into its image',
    ]);
    expect(project.services[1]!.files.flatMap(describeMount)).toEqual(["/etc/nginx/conf.d/app.conf 0644 10 bytes"]);
  });

  it("gives a read-only service empty task storage where its bind mount has nothing from the repository", async () => {
    const project = await loadCompose(
      createMemoryReader({ "compose.yaml": "services:\n  web:\n    image: app\n    read_only: true\n    volumes:\n      - ./var/cache:/app/cache\n" }),
    );
    expect(project.services[0]!.volumes).toEqual([{ target: "/app/cache", readOnly: false }]);
    expect(warningLines(project)).toEqual([
      "bind-mount-empty compose.yaml:6: services.web.volumes[0]: ./var/cache is not in the repository: /app/cache is empty task storage, the one place this read-only service can write there",
    ]);
  });
});

describe("files berth refuses to mount, each with what to do", () => {
  it.each([
    {
      name: "a secret file the repository lacks",
      compose: "services:\n  db:\n    image: postgres\n    secrets: [db_password]\nsecrets:\n  db_password:\n    file: ./secrets/db_password.txt\n",
      files: {},
      error:
        'compose.yaml:4: services.db.secrets[0]: secret "db_password" reads ./secrets/db_password.txt, which is not in the repository at this commit; commit it, or map the secret to an SSM parameter in .github/preview.yml: `compose_secrets: {db_password: /<path>/db_password}`',
    },
    {
      name: "an external secret nothing maps",
      compose: "services:\n  web:\n    image: app\n    secrets: [token]\nsecrets:\n  token:\n    external: true\n",
      files: {},
      error:
        'compose.yaml:4: services.web.secrets[0]: secret "token" is external: it exists outside the compose file; map the secret to an SSM parameter in .github/preview.yml: `compose_secrets: {token: /<path>/token}`',
    },
    {
      name: "a secret whose variable nothing gives",
      compose: "services:\n  web:\n    image: app\n    secrets: [token]\nsecrets:\n  token:\n    environment: API_TOKEN\n",
      files: {},
      error:
        'compose.yaml:4: services.web.secrets[0]: secret "token" takes its value from the variable API_TOKEN, which neither .env nor .github/preview.yml `secrets` gives; add API_TOKEN to `secrets` in .github/preview.yml (an SSM parameter), or map the secret to an SSM parameter in .github/preview.yml: `compose_secrets: {token: /<path>/token}`',
    },
    {
      name: "a secret the file does not declare",
      compose: "services:\n  web:\n    image: app\n    secrets: [token]\n",
      files: {},
      error: 'compose.yaml:4: services.web.secrets[0]: secret "token" is not declared under the top-level secrets key; declare it there',
    },
    {
      name: "a config at its default path in the root directory",
      compose: "services:\n  web:\n    image: app\n    configs: [app_ini]\nconfigs:\n  app_ini:\n    file: ./app.ini\n",
      files: { "app.ini": "[app]\n" },
      error:
        'compose.yaml:4: services.web.configs[0]: config "app_ini" goes to /app_ini, in the root directory, where Fargate cannot mount a file: give it a target in a directory of its own (for example /etc/app_ini/app_ini) and point the application there',
    },
    {
      name: "a file larger than the template carries",
      compose: "services:\n  web:\n    image: nginx\n    volumes:\n      - ./big.conf:/etc/nginx/conf.d/big.conf\n",
      files: { "big.conf": "#".repeat(70 * 1024) },
      error:
        "compose.yaml:5: services.web.volumes[0]: ./big.conf is 70 KiB; berth mounts files of up to 64 KiB (they travel in the stack template): build it into the image instead (COPY in its Dockerfile)",
    },
    {
      name: "a file that is not text",
      compose: "services:\n  web:\n    image: nginx\n    volumes:\n      - ./favicon.ico:/usr/share/nginx/html/favicon.ico\n",
      files: { "favicon.ico": "\u0000\u0001\u0002" },
      error:
        "compose.yaml:5: services.web.volumes[0]: ./favicon.ico is not a text file; berth mounts text files only: build it into the image instead (COPY in its Dockerfile)",
    },
    {
      name: "a folder of too many files",
      compose: "services:\n  web:\n    image: nginx\n    volumes:\n      - ./public:/usr/share/nginx/html:ro\n",
      files: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`public/page-${i}.html`, "<p>hi</p>\n"])),
      error:
        "compose.yaml:5: services.web.volumes[0]: ./public holds 101 files; berth mounts folders of up to 100 files (they travel in the stack template): build them into the image instead (COPY in its Dockerfile)",
    },
    {
      name: "a file and a volume at one path",
      compose: "services:\n  web:\n    image: nginx\n    volumes:\n      - cache:/etc/app\n      - ./app:/etc/app\nvolumes:\n  cache: {}\n",
      files: { "app/app.ini": "[app]\n" },
      error: "compose.yaml:6: services.web: ./app and a volume both go to /etc/app; give each its own path",
    },
    {
      name: "a mode that is not octal",
      compose: "services:\n  web:\n    image: app\n    secrets:\n      - source: token\n        mode: rw\nsecrets:\n  token:\n    file: ./token\n",
      files: { token: "t" },
      error: 'compose.yaml:6: services.web.secrets[0].mode: mode "rw" is not an octal file mode like 0440',
    },
  ])("$name", async ({ compose, files, error }) => {
    expect(await refusal(compose, files)).toBe(error);
  });
});

describe("an override file's secrets and configs", () => {
  it("replace the base file's entry for the same secret, as Compose merges them by target", async () => {
    const reader = createMemoryReader({
      "compose.yaml": "services:\n  web:\n    image: app\n    secrets: [token]\nsecrets:\n  token:\n    file: ./token.txt\n",
      "compose.override.yaml": "services:\n  web:\n    secrets:\n      - source: token\n        mode: 0400\n",
      "token.txt": "dev\n",
    });
    const project = await loadCompose(reader);
    expect(project.services[0]!.files.flatMap(describeMount)).toEqual(["/run/secrets/token 0400 4 bytes ro"]);
  });
});
