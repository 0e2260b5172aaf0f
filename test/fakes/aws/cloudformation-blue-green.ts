/**
 * What the CloudFormation fake needs to know of ECS blue/green services: which services deploy
 * that way, what they depend on (CloudFormation updates those first), and how CloudFormation's
 * ECS handler reports a service deployment that did not succeed.
 */
import { resourceDependencies } from "../../../src/stack/resource-dependencies.js";
import type { FakeServiceDeployment } from "./ecs-service-deployments.js";

/** The parts of a template resource read here. */
interface TemplateResource {
  Type?: string;
  DependsOn?: string | string[];
  Properties?: unknown;
}

/** Whether a resource is an ECS service whose deployments use ECS's BLUE_GREEN strategy. */
export function isBlueGreenService(r: { type: string; props: Record<string, unknown> }): boolean {
  const configuration = r.props.DeploymentConfiguration as { Strategy?: unknown } | undefined;
  return r.type === "AWS::ECS::Service" && configuration?.Strategy === "BLUE_GREEN";
}

/** The logical ids `id` depends on in a template, directly or through others (DependsOn, Ref, GetAtt). */
export function dependenciesOf(templateBody: string, id: string): Set<string> {
  const resources = (JSON.parse(templateBody) as { Resources?: Record<string, TemplateResource> }).Resources ?? {};
  const found = new Set<string>();
  const visit = (at: string) => {
    for (const dependency of resourceDependencies(resources[at] ?? {})) {
      if (found.has(dependency) || !(dependency in resources)) continue;
      found.add(dependency);
      visit(dependency);
    }
  };
  visit(id);
  return found;
}

/**
 * The first service whose deployment ended otherwise than SUCCESSFUL, with the reason
 * CloudFormation's ECS handler gives (the service deployment's status and ECS's reason).
 */
export function blueGreenFailure(deploying: Map<string, FakeServiceDeployment>, requestToken: string): { resource: string; reason: string } | undefined {
  for (const [resource, d] of deploying) {
    if (d.status === "SUCCESSFUL") continue;
    const detail = `ECS service deployment ${d.arn} ended in status ${d.status}: ${d.statusReason ?? "no reason given"}`;
    return { resource, reason: `Resource handler returned message: "Error occurred during operation '${detail}'." (RequestToken: ${requestToken}, HandlerErrorCode: GeneralServiceException)` };
  }
  return undefined;
}
