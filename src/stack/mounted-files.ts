import path from "node:path";
import { gzipSync } from "node:zlib";
import type { ComposeFileMount } from "../compose/model.js";
import { replaceDeployTimeValues } from "../config/preview-placeholders.js";

/** Where the init containers see the volumes that hold mounted files. */
export const FILES_ROOT = "/berth-files";
/** The init container that copies the image's own files into a folder a mounted file joins. */
export const IMAGE_FILES_CONTAINER = "berth-image-files";
/**
 * The most the mounted files of one preview may take in its stack template, compressed and
 * base64-encoded, summed over every task definition that carries them. CloudFormation takes an
 * inline template of up to 51,200 bytes, and the services need the rest.
 */
export const MAX_ENCODED_FILE_BYTES = 16 * 1024;

/** A task volume that holds mounted files, and where the service's container sees it. */
export interface FileVolume {
  volume: string;
  /** The folder the container mounts it at: a bind-mounted folder, or the folder a mounted file lies in. */
  containerPath: string;
  readOnly: boolean;
  /**
   * The folder also holds the image's own files (a single file mounted into `/etc/nginx/conf.d`):
   * the image-files container copies them in first, so the mount hides nothing.
   */
  keepImageFiles: boolean;
}

/** How one task gets its service's mounted files. */
export interface MountedFilesPlan {
  volumes: FileVolume[];
  /** Shell commands the init container (busybox) runs to write the files, as root. */
  commands: string[];
  /** The init container's environment: each file's text, gzip-compressed and base64-encoded (or as is, when it holds the preview's address). */
  environment: Array<{ name: string; value: string }>;
  /** The init container's secrets: a compose secret mapped to SSM or Secrets Manager, read by ECS at task start. */
  secrets: Array<{ name: string; valueFrom: string }>;
}

/**
 * The volumes, init-container commands and variables that put a service's mounted files where
 * the compose file says. Fargate mounts folders, not files: each file goes into a task volume
 * mounted at its folder (one volume for nested folders), written by the init container before the
 * service starts. A folder that also holds the image's files (`/etc/nginx/conf.d`) is first filled
 * with them by the image-files container; a bind-mounted folder and `/run/secrets` replace the path.
 */
export function planMountedFiles(mounts: readonly ComposeFileMount[], address: { url: string; host: string }): MountedFilesPlan {
  const plan: MountedFilesPlan = { volumes: [], commands: [], environment: [], secrets: [] };
  if (mounts.length === 0) return plan;
  const folderOf = (mount: ComposeFileMount) => (mount.directory ? mount.target : path.posix.dirname(mount.target));
  const roots: string[] = [];
  for (const folder of mounts.map(folderOf).sort((a, b) => a.length - b.length || (a < b ? -1 : 1))) {
    if (!roots.some((root) => within(folder, root))) roots.push(folder);
  }
  roots.forEach((root, index) => {
    const members = mounts.filter((m) => within(folderOf(m), root));
    // Compose's own secrets folder holds nothing from the image.
    const replaced = within(root, "/run/secrets") || members.some((m) => m.directory && m.target === root);
    plan.volumes.push({
      volume: `berth-files-${index + 1}`,
      containerPath: root,
      // A folder the compose file gives whole may be read-only; a file's folder stays writable.
      readOnly: replaced && members.every((m) => m.readOnly),
      keepImageFiles: !replaced,
    });
  });
  // A bind-mounted folder inside a kept folder is emptied first, so it goes before the single files.
  const ordered = [...mounts].sort((a, b) => Number(b.directory) - Number(a.directory) || a.target.length - b.target.length);
  const made = new Set<string>();
  for (const mount of ordered) {
    const volume = plan.volumes.find((v) => within(folderOf(mount), v.containerPath))!;
    const at = (target: string) => path.posix.join(FILES_ROOT, volume.volume, path.posix.relative(volume.containerPath, target));
    if (mount.directory && volume.keepImageFiles) {
      plan.commands.push(`rm -rf ${quote(at(mount.target))}`);
      for (const folder of made) if (within(folder, at(mount.target))) made.delete(folder);
    }
    for (const file of mount.files) {
      const destination = at(path.posix.join(mount.target, file.path));
      const variable = `BERTH_FILE_${plan.environment.length + plan.secrets.length + 1}`;
      let write: string;
      if ("parameter" in file.content) {
        plan.secrets.push({ name: variable, valueFrom: file.content.parameter });
        write = `printf '%s' "$${variable}"`;
      } else if (file.content.text.includes("\u0000")) {
        plan.environment.push({ name: variable, value: replaceDeployTimeValues(file.content.text, address) });
        write = `printf '%s' "$${variable}"`;
      } else {
        plan.environment.push({ name: variable, value: encodeText(file.content.text) });
        write = `printf '%s' "$${variable}" | base64 -d | gunzip`;
      }
      const folder = path.posix.dirname(destination);
      if (!made.has(folder)) plan.commands.push(`mkdir -p ${quote(folder)}`);
      made.add(folder);
      plan.commands.push(`${write} > ${quote(destination)}`, `chmod ${file.mode} ${quote(destination)}`);
      if (file.uid !== undefined || file.gid !== undefined) plan.commands.push(`chown ${file.uid ?? ""}${file.gid === undefined ? "" : `:${file.gid}`} ${quote(destination)}`);
    }
  }
  return plan;
}

/** The command of the image-files container: copy what the image has at each kept folder into its volume. */
export function imageFilesScript(volumes: readonly FileVolume[]): string | undefined {
  const kept = volumes.filter((v) => v.keepImageFiles);
  if (kept.length === 0) return undefined;
  return [
    "set -e",
    ...kept.map((v) => `if [ -d ${quote(v.containerPath)} ]; then cp -a ${quote(`${v.containerPath}/.`)} ${quote(`${FILES_ROOT}/${v.volume}/`)}; fi`),
  ].join("; ");
}

/** What a mount's files take in a template, compressed and encoded as the init container receives them. */
export function encodedBytes(mount: ComposeFileMount): number {
  return mount.files.reduce((sum, file) => sum + ("text" in file.content ? encodeText(file.content.text).length : 0), 0);
}

/** Text as the init container's variable carries it: gzip (deterministic, no name or time), then base64. */
export function encodeText(text: string): string {
  return gzipSync(Buffer.from(text, "utf8"), { level: 9 }).toString("base64");
}

function within(folder: string, root: string): boolean {
  return folder === root || folder.startsWith(root === "/" ? "/" : `${root}/`);
}

/** A word for `sh`, in single quotes. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
