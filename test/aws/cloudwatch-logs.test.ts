import { describe, expect, it } from "vitest";
import { CloudWatchLogs } from "../../src/aws/cloudwatch-logs.js";
import { createAwsFake } from "../fakes/aws-fake.js";

const GROUP = "/berth/previews";
const LINES = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`);

function setup() {
  const fake = createAwsFake();
  fake.putLogEvents(GROUP, "shop/release/aaa", LINES.map((l) => `${l}\n`));
  return { fake, logs: new CloudWatchLogs({ client: fake.clients.logs }) };
}

describe("CloudWatchLogs.tail", () => {
  it.each([
    [3, ["line 10", "line 11", "line 12"]],
    [1, ["line 12"]],
    [50, LINES],
    [0, []],
  ])("returns the last %i lines oldest first", async (lines, expected) => {
    const { logs } = setup();
    expect(await logs.tail({ group: GROUP, stream: "shop/release/aaa", lines })).toEqual(expected);
  });

  it("asks for the end of the stream", async () => {
    const { fake, logs } = setup();
    await logs.tail({ group: GROUP, stream: "shop/release/aaa", lines: 5 });
    expect(fake.calls.map((c) => c.input)).toEqual([{ logGroupName: GROUP, logStreamName: "shop/release/aaa", startFromHead: false, limit: 5 }]);
  });

  it.each([
    [GROUP, "shop/release/missing"],
    ["/berth/nope", "shop/release/aaa"],
  ])("is empty when %s %s does not exist", async (group, stream) => {
    const { logs } = setup();
    expect(await logs.tail({ group, stream, lines: 5 })).toEqual([]);
  });
});

describe("CloudWatchLogs.latestStream", () => {
  it("finds the stream with the newest event under the prefix, across pages", async () => {
    const { fake, logs } = setup();
    for (let i = 0; i < 60; i++) fake.putLogEvents(GROUP, `shop/web/task${String(i).padStart(2, "0")}`, ["hello"]);
    fake.putLogEvents(GROUP, "shop/web/task07", ["newest"]);
    fake.putLogEvents(GROUP, "shop/worker/task99", ["newer, other prefix"]);

    expect(await logs.latestStream({ group: GROUP, prefix: "shop/web/" })).toBe("shop/web/task07");
    expect(fake.commands("logs")).toEqual(["DescribeLogStreams", "DescribeLogStreams"]);
  });

  it.each([
    [GROUP, "shop/db/"],
    ["/berth/nope", "shop/web/"],
  ])("is undefined when %s has no stream under %s", async (group, prefix) => {
    const { logs } = setup();
    expect(await logs.latestStream({ group, prefix })).toBeUndefined();
  });
});
