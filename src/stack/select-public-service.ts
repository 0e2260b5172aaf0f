import { missingServiceProblem, type ComposeProject, type ComposeService } from "../compose/model.js";
import type { RepoConfig } from "../config/schema.js";
import { InputError } from "../errors.js";
import { configDiagnostic, type ConfigLineOf } from "./diagnostics.js";

/** The compose service that answers on the preview URL, and its HTTP port. */
export interface PublicService {
  service: ComposeService;
  port: number;
}

/**
 * Picks the public service: `service:` of the config, else the only service that publishes a
 * port; and its port: `port:` of the config, else the one port it publishes or exposes.
 * Throws InputError telling which key of `.github/preview.yml` to set when it cannot tell.
 */
export function selectPublicService(project: ComposeProject, config: RepoConfig, lineOf?: ConfigLineOf): PublicService {
  const service = pickService(project, config, lineOf);
  if (config.port !== undefined) {
    const range = service.portRanges.find((r) => r.protocol === "tcp" && r.first <= config.port! && config.port! <= r.last);
    if (range === undefined) return { service, port: config.port };
    // The load balancer's target needs the port mapped on its own; ECS maps each port once.
    const problem = `port ${config.port} is inside the range ${range.first}-${range.last} that service "${service.name}" publishes or exposes; list ${config.port} on its own in the compose file and split the range around it`;
    throw new InputError([configDiagnostic(["port"], problem, lineOf)]);
  }
  const ports = [...new Set([...service.ports.filter((p) => p.protocol === "tcp").map((p) => p.target), ...service.expose])];
  if (ports.length === 1) return { service, port: ports[0]! };
  const problem =
    ports.length === 0
      ? `service "${service.name}" publishes and exposes no port; set \`port:\` in .github/preview.yml to the port it serves HTTP on`
      : `service "${service.name}" listens on several ports (${ports.join(", ")}); set \`port:\` in .github/preview.yml to the one that serves HTTP`;
  throw new InputError([configDiagnostic(["port"], problem, lineOf)]);
}

function pickService(project: ComposeProject, config: RepoConfig, lineOf?: ConfigLineOf): ComposeService {
  if (config.service !== undefined) {
    const named = project.services.find((s) => s.name === config.service);
    if (named) return named;
    throw new InputError([configDiagnostic(["service"], missingServiceProblem(project, config.service), lineOf)]);
  }
  const publishing = project.services.filter((s) => s.ports.length > 0);
  if (publishing.length === 1) return publishing[0]!;
  const problem =
    publishing.length === 0
      ? "no compose service publishes a port, so berth cannot tell which one answers on the preview URL; set `service:` in .github/preview.yml"
      : `several compose services publish ports (${publishing.map((s) => s.name).join(", ")}); set \`service:\` in .github/preview.yml to the one that answers on the preview URL`;
  throw new InputError([configDiagnostic(["service"], problem, lineOf)]);
}
