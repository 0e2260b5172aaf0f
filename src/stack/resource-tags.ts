import type { Tag } from "./template/resource-types.js";

/**
 * The tag that marks a resource as one berth created for a preview. The bot's role (deploy/bot.yml)
 * changes and deletes target groups, ECS services and security groups only when they carry it, and
 * adds it only in the call that creates the resource.
 */
export const MANAGED_TAG = "berth:managed";

/** A resource tag, as the template carries it. */
export type ResourceTag = Tag;

/**
 * The tags every taggable resource of a preview carries, set in the template itself rather than
 * left to CloudFormation's stack-tag propagation or its `aws:cloudformation:*` tags (which target
 * groups and ECS services never get). One short tag: it repeats on three resources per compose
 * service, and the template must stay under CloudFormation's inline size limit.
 */
export function previewResourceTags(): ResourceTag[] {
  return [{ Key: MANAGED_TAG, Value: "true" }];
}
