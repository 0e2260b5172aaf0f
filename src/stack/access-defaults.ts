import { AccessSchema, type RepoConfig } from "../config/schema.js";
import type { Diagnostic } from "../errors.js";

/** `access` as a repository's `.github/preview.yml` gives it, and as the operator's defaults give it. */
export type Access = RepoConfig["access"];

/** The base stack's outputs that carry the operator's defaults for `access` (present only when set). */
export const ACCESS_DEFAULT_OUTPUTS = { allow_cidrs: "DefaultAllowCidrs", oidc: "DefaultOidc" } as const;

/**
 * The operator's defaults for every repository's `access`, from the base stack's outputs:
 * `DefaultAllowCidrs` (comma-separated networks) and `DefaultOidc` (the identity provider, as
 * JSON with `access.oidc`'s keys). Checked as a repository's `access` is; a bad value is a
 * diagnostic that names the base stack and the output, never silently dropped. Pure.
 */
export function baseAccessDefaults(input: { outputs: Record<string, string>; baseStack: string }): { access: Access; diagnostics: Diagnostic[] } {
  const raw: Record<string, unknown> = {};
  const diagnostics: Diagnostic[] = [];
  const where = (output: string, message: string): Diagnostic => ({ file: `base stack ${input.baseStack}`, path: output, message: `${output}: ${message}` });
  const cidrs = input.outputs[ACCESS_DEFAULT_OUTPUTS.allow_cidrs];
  if (cidrs?.trim()) raw.allow_cidrs = cidrs.split(",").map((cidr) => cidr.trim()).filter((cidr) => cidr !== "");
  const oidc = input.outputs[ACCESS_DEFAULT_OUTPUTS.oidc];
  if (oidc?.trim()) {
    try {
      raw.oidc = JSON.parse(oidc);
    } catch {
      diagnostics.push(where(ACCESS_DEFAULT_OUTPUTS.oidc, "is not JSON; deploy deploy/base.yml again"));
    }
  }
  const parsed = AccessSchema.safeParse(raw);
  if (parsed.success) return { access: diagnostics.length > 0 ? {} : parsed.data, diagnostics };
  for (const issue of parsed.error.issues) {
    const [key, ...rest] = issue.path.map(String);
    const output = key === "oidc" ? ACCESS_DEFAULT_OUTPUTS.oidc : ACCESS_DEFAULT_OUTPUTS.allow_cidrs;
    const value = key === "allow_cidrs" && rest[0] !== undefined ? ` "${(raw.allow_cidrs as string[])[Number(rest[0])]}"` : rest.length > 0 ? ` ${rest.join(".")}` : "";
    diagnostics.push(where(output, `${value.trim() === "" ? "" : `${value.trim()}: `}${issue.message}; fix the base stack's parameter and deploy deploy/base.yml again`));
  }
  return { access: {}, diagnostics };
}

/**
 * The access a preview gets: the repository's own `access`, key by key over the operator's
 * defaults. A repository that sets `allow_cidrs` replaces the default list (it may name wider
 * networks); one that sets `oidc` signs in with its own provider.
 */
export function effectiveAccess(repo: Access, defaults: Access): Access & { from: { allow_cidrs?: "repository" | "base stack"; oidc?: "repository" | "base stack" } } {
  const allow = repo.allow_cidrs ?? defaults.allow_cidrs;
  const oidc = repo.oidc ?? defaults.oidc;
  return {
    ...(allow ? { allow_cidrs: allow } : {}),
    ...(oidc ? { oidc } : {}),
    from: {
      ...(allow ? { allow_cidrs: repo.allow_cidrs ? "repository" : "base stack" } : {}),
      ...(oidc ? { oidc: repo.oidc ? "repository" : "base stack" } : {}),
    },
  };
}
