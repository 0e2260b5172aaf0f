/**
 * Logical ids a template resource depends on: its DependsOn, and every Ref or Fn::GetAtt in its
 * properties (Fn::Sub's references are not followed). What orders CloudFormation's work on a stack.
 */
export function resourceDependencies(resource: { DependsOn?: string | string[]; Properties?: unknown } | undefined): string[] {
  if (!resource) return [];
  const out = new Set<string>([resource.DependsOn ?? []].flat());
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== "object") return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === "Ref" && typeof inner === "string") out.add(inner);
      else if (key === "Fn::GetAtt") out.add(Array.isArray(inner) ? String(inner[0]) : (String(inner).split(".")[0] ?? ""));
      else walk(inner);
    }
  };
  walk(resource.Properties);
  return [...out];
}
