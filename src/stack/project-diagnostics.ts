import { missingServiceProblem, type ComposeProject } from "../compose/model.js";
import type { RepoConfig } from "../config/schema.js";
import type { Diagnostic } from "../errors.js";
import { composeDiagnostic, configDiagnostic, type ConfigLineOf } from "./diagnostics.js";

/** One DNS label as Cloud Map takes it (underscores allowed). */
const DNS_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * What keeps a compose project and its config from becoming one preview stack, beyond what their
 * own loaders check: service names that cannot be hostnames, `depends_on` that ECS services cannot
 * honour (unknown services, `service_healthy` without a health check, cycles), services without an
 * image, and config keys naming services that do not exist.
 */
export function projectDiagnostics(project: ComposeProject, config: RepoConfig, lineOf?: ConfigLineOf): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map(project.services.map((s) => [s.name, s]));

  for (const service of project.services) {
    if (!service.name.split(".").every((part) => DNS_LABEL.test(part)) || service.name.length > 63) {
      out.push(
        composeDiagnostic(
          service,
          [],
          "the service name must be a DNS name (letters, digits, hyphens, at most 63 characters) so the other services can reach it by name",
        ),
      );
    }
    if (service.image === undefined && !service.build) {
      out.push(composeDiagnostic(service, [], "has neither `image` nor `build`"));
    }
    for (const dep of service.dependsOn) {
      const target = byName.get(dep.service);
      const at = ["depends_on", dep.service];
      if (!target) {
        out.push(composeDiagnostic(service, at, `no service "${dep.service}" in the project (is it in an inactive profile?)`));
      } else if (dep.condition === "service_healthy" && !target.healthcheck) {
        out.push(
          composeDiagnostic(
            service,
            [...at, "condition"],
            `service_healthy needs a healthcheck on service "${dep.service}"; add one to "${dep.service}" or use condition service_started`,
          ),
        );
      }
    }
  }

  const cycle = findCycle(project);
  if (cycle) {
    const first = byName.get(cycle[0]!)!;
    out.push(composeDiagnostic(first, ["depends_on"], `services depend on each other in a cycle: ${cycle.join(" -> ")}`));
  }

  for (const name of Object.keys(config.resources.services)) {
    if (!byName.has(name)) {
      out.push(configDiagnostic(["resources", "services", name], missingServiceProblem(project, name), lineOf));
    }
  }
  return out;
}

/** The first `depends_on` cycle in file order, as `a -> b -> a`; undefined when there is none. */
function findCycle(project: ComposeProject): string[] | undefined {
  const edges = new Map(project.services.map((s) => [s.name, s.dependsOn.map((d) => d.service)]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === "done" || !edges.has(name)) return undefined;
    if (state.get(name) === "visiting") return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, "visiting");
    stack.push(name);
    for (const next of edges.get(name)!) {
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const service of project.services) {
    const found = visit(service.name);
    if (found) return found;
  }
  return undefined;
}
