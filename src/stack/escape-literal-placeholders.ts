/**
 * Compose text often holds a literal `${NAME}` meant for a shell inside the container
 * (`pg_isready -U $${POSTGRES_USER}` after Compose's `$$` escape). CloudFormation leaves such
 * text alone outside `Fn::Sub`, but cfn-lint reports it (E1029) and it reads like a mistake.
 * Wrapping the string in `Fn::Sub` with `${!NAME}` says "literal" explicitly and renders the
 * same text.
 */
export function escapeLiteralPlaceholders<T>(value: T): T {
  return walk(value) as T;
}

function walk(value: unknown): unknown {
  if (typeof value === "string") return value.includes("${") ? { "Fn::Sub": value.replace(/\$\{/g, "${!") } : value;
  if (Array.isArray(value)) return value.map(walk);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  // The literal parts of a join (text around the preview's URL, say) are escaped like any string.
  const join = (value as { "Fn::Join"?: unknown })["Fn::Join"];
  if (entries.length === 1 && Array.isArray(join) && Array.isArray(join[1])) return { "Fn::Join": [join[0], join[1].map(walk)] };
  // Intrinsic functions keep their own syntax: `Fn::Sub` templates are meant to substitute.
  if (entries.length === 1 && (entries[0]![0].startsWith("Fn::") || entries[0]![0] === "Ref")) return value;
  return Object.fromEntries(entries.map(([k, v]) => [k, walk(v)]));
}
