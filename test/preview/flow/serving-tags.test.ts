import { describe, expect, it } from "vitest";
import { findServingCommit, servingState } from "../../../src/preview/flow/serving-tags.js";

const OLD = "1111111111111111111111111111111111111111";
const HEAD = "2222222222222222222222222222222222222222";

describe("servingState", () => {
  // The rollout update sets berth:sha to the head at its start; only its completion makes that true.
  it.each<[string, string, Record<string, string>, ReturnType<typeof servingState>]>([
    ["a completed rollout of the head", "UPDATE_COMPLETE", { "berth:sha": HEAD, "berth:deploying": HEAD }, "serving"],
    ["a completed rollout still cleaning up", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", { "berth:sha": HEAD, "berth:deploying": HEAD }, "serving"],
    ["a first deploy's rollout of the head", "CREATE_COMPLETE", { "berth:sha": HEAD }, "serving"],
    ["the head's rollout under way", "UPDATE_IN_PROGRESS", { "berth:sha": HEAD, "berth:deploying": HEAD }, "unconfirmed"],
    ["the head's rollout rolling back", "UPDATE_ROLLBACK_IN_PROGRESS", { "berth:sha": HEAD, "berth:deploying": HEAD }, "unconfirmed"],
    ["the head's rollout failed to roll back", "UPDATE_ROLLBACK_FAILED", { "berth:sha": HEAD, "berth:deploying": HEAD }, "unconfirmed"],
    ["a rolled-back rollout of the head (old tags restored, release phase's kept)", "UPDATE_ROLLBACK_COMPLETE", { "berth:sha": OLD, "berth:deploying": HEAD }, "unconfirmed"],
    ["a rolled-back redeploy of the head that served", "UPDATE_ROLLBACK_COMPLETE", { "berth:sha": HEAD, "berth:deploying": HEAD }, "serving"],
    ["another commit served", "UPDATE_COMPLETE", { "berth:sha": OLD, "berth:deploying": OLD }, "other"],
    ["nothing served yet", "UPDATE_COMPLETE", { "berth:sha": "none", "berth:deploying": OLD }, "other"],
  ])("%s: %s", (_case, status, tags, expected) => {
    expect(servingState({ status, tags }, HEAD.toUpperCase())).toBe(expected);
  });
});

describe("findServingCommit", () => {
  it.each<[string, Record<string, string>, string | undefined]>([
    ["UPDATE_COMPLETE", { "berth:sha": HEAD }, HEAD],
    ["UPDATE_ROLLBACK_COMPLETE", { "berth:sha": OLD }, OLD],
    ["UPDATE_COMPLETE", { "berth:sha": "none" }, undefined],
    ["UPDATE_IN_PROGRESS", { "berth:sha": HEAD }, undefined],
    ["UPDATE_ROLLBACK_FAILED", { "berth:sha": HEAD }, undefined],
    ["ROLLBACK_COMPLETE", { "berth:sha": "none" }, undefined],
  ])("%s with %j: %s", (status, tags, expected) => {
    expect(findServingCommit({ status, tags })).toBe(expected);
  });
});
