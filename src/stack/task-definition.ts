import type { Stack } from "aws-cdk-lib";
import { CfnTaskDefinition } from "aws-cdk-lib/aws-ecs";
import type { ComposeService } from "../compose/model.js";
import { fromBase } from "./base-stack.js";
import type { FargateSize } from "./fargate-size.js";
import type { ResourceTag } from "./resource-tags.js";

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
  stack: Stack,
  id: string,
  input: {
    family: string;
    size: FargateSize;
    containers: CfnTaskDefinition.ContainerDefinitionProperty[];
    volumes: string[];
    tags: ResourceTag[];
  },
): CfnTaskDefinition {
  return new CfnTaskDefinition(stack, id, {
    family: input.family,
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: String(input.size.cpu),
    memory: String(input.size.memory),
    executionRoleArn: fromBase("ExecutionRoleArn"),
    taskRoleArn: fromBase("TaskRoleArn"),
    containerDefinitions: input.containers,
    ...(input.volumes.length > 0 ? { volumes: input.volumes.map((name) => ({ name })) } : {}),
    tags: input.tags,
  });
}

