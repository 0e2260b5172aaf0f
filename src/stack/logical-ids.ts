/** Logical ID prefixes the template uses for its own resources; a compose service never takes them. */
const RESERVED = new Set(["Release", "Preview", "Public", "Listener", "Base"]);

/**
 * Gives every compose service a distinct PascalCase prefix for its logical IDs
 * (`web` -> `Web`, `my-api` -> `MyApi`), numbering services whose names sanitize alike.
 */
export function logicalIdPrefixes(names: readonly string[]): Map<string, string> {
  const taken = new Set<string>();
  const out = new Map<string, string>();
  for (const name of names) {
    let base = name
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((part) => part[0]!.toUpperCase() + part.slice(1))
      .join("");
    if (base === "" || /^[0-9]/.test(base)) base = `S${base}`;
    let id = base;
    for (let n = 2; taken.has(id) || RESERVED.has(id); n += 1) id = `${base}${n}`;
    taken.add(id);
    out.set(name, id);
  }
  return out;
}
