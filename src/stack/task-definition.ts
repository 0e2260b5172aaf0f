import type { ComposeService } from "../compose/model.js";
import { fromBase } from "./base-stack.js";
import type { FargateSize } from "./fargate-size.js";
import type { ResourceTag } from "./resource-tags.js";
import type { ContainerDefinition } from "./template/resource-types.js";
import type { ResourceHandle, TemplateBuilder } from "./template/template-builder.js";

/**
 * Task-level volumes for a service's mounts. Fargate gives each volume without a host a piece of
 * the task's ephemeral storage, empty at every task start. Returns the distinct volume names,
 * per mount (same order as `service.volumes`) the name it mounts, and the volumes that stand in for
 * a tmpfs (the init container makes them writable).
 */
export function taskVolumes(service: Pick<ComposeService, "volumes">): { volumes: string[]; volumeNames: string[]; tmpfs: TmpfsVolume[] } {
  const volumes: string[] = [];
  const byComposeName = new Map<string, string>();
  const volumeNames = service.volumes.map((mount, i) => {
    const known = mount.name === undefined ? undefined : byComposeName.get(mount.name);
    if (known) return known;
    const base = mount.name === undefined ? `${mount.tmpfsMode === undefined ? "anonymous" : "tmpfs"}-${i}` : mount.name.replace(/[^A-Za-z0-9_-]+/g, "-").slice(0, 200) || "volume";
    let name = base;
    for (let n = 2; volumes.includes(name); n += 1) name = `${base}-${n}`;
    volumes.push(name);
    if (mount.name !== undefined) byComposeName.set(mount.name, name);
    return name;
  });
  const tmpfs = service.volumes.flatMap((mount, i) => (mount.tmpfsMode === undefined ? [] : [{ volume: volumeNames[i]!, mode: mount.tmpfsMode }]));
  return { volumes, volumeNames, tmpfs };
}

/** A task volume that stands in for a compose tmpfs, and the mode the init container gives it. */
export interface TmpfsVolume {
  volume: string;
  /** Octal, e.g. `1777`. */
  mode: string;
}

/** A Fargate task definition in awsvpc mode with the base stack's roles. */
export function addTaskDefinition(
  template: TemplateBuilder,
  id: string,
  input: {
    family: string;
    size: FargateSize;
    containers: ContainerDefinition[];
    volumes: string[];
    tags: ResourceTag[];
  },
): ResourceHandle<"AWS::ECS::TaskDefinition"> {
  return template.addResource(id, "AWS::ECS::TaskDefinition", {
    Family: input.family,
    RequiresCompatibilities: ["FARGATE"],
    NetworkMode: "awsvpc",
    Cpu: String(input.size.cpu),
    Memory: String(input.size.memory),
    ExecutionRoleArn: fromBase("ExecutionRoleArn"),
    TaskRoleArn: fromBase("TaskRoleArn"),
    ContainerDefinitions: input.containers,
    ...(input.volumes.length > 0 ? { Volumes: input.volumes.map((name) => ({ Name: name })) } : {}),
    Tags: input.tags,
  });
}

