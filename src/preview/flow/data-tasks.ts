import { createHash } from "node:crypto";

/**
 * Stack tag naming the tasks of the data services (third-party images: databases, caches) that
 * the last successful seed wrote into. Fargate task storage lives exactly as long as its task: when
 * ECS replaced a task (a new task definition, a retired or crashed task), the data is gone and the
 * next deploy seeds again. AWS is the record; berth keeps nothing in memory.
 */
export const DATA_TASKS_TAG = "berth:data-tasks";

/** AWS tag values hold at most 256 characters. */
const MAX_TAG_VALUE = 256;
/** Twelve hex digits of a task id tell tasks of one service apart. */
const ID_LENGTH = 12;

/**
 * The tag value for the data services' running tasks: `db=0123456789ab/redis=…` (service names in
 * order, task ids shortened, `+` between tasks of one service), only characters every AWS service
 * accepts in a tag. Too long for a tag, it becomes `sha256=<hex>` of the same text. Undefined when
 * the preview has no data service.
 */
export function buildDataTasksTag(services: Record<string, string>, running: Record<string, string[]>): string | undefined {
  const names = Object.keys(services).sort();
  if (names.length === 0) return undefined;
  const text = names
    .map((name) => `${name}=${(running[services[name]!] ?? []).map((id) => id.slice(0, ID_LENGTH)).sort().join("+") || "none"}`)
    .join("/");
  return text.length <= MAX_TAG_VALUE ? text : `sha256=${createHash("sha256").update(text).digest("hex")}`;
}

/**
 * The data services whose tasks differ between the recorded tag and the current one, by name;
 * `[]` when none did. When either value is a hash, which services changed is unknown: `undefined`.
 */
export function replacedDataServices(recorded: string, current: string): string[] | undefined {
  if (recorded === current) return [];
  if (recorded.startsWith("sha256=") || current.startsWith("sha256=")) return undefined;
  const before = parse(recorded);
  const now = parse(current);
  return [...now.keys()].filter((name) => before.get(name) !== now.get(name));
}

function parse(value: string): Map<string, string> {
  return new Map(
    value.split("/").map((part) => {
      const at = part.indexOf("=");
      return [part.slice(0, at), part.slice(at + 1)] as [string, string];
    }),
  );
}
