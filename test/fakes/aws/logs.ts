/** Fake CloudWatch Logs: streams of events per group, read with GetLogEvents. */
import {
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  type DescribeLogStreamsCommandInput,
  type GetLogEventsCommandInput,
  type LogStream,
  type OutputLogEvent,
} from "@aws-sdk/client-cloudwatch-logs";
import { awsError, type AnyStub, type World } from "./world.js";

export class FakeLogs {
  /** group -> stream -> events, oldest first. */
  readonly groups = new Map<string, Map<string, OutputLogEvent[]>>();

  constructor(private readonly world: World) {}

  install(mock: AnyStub): void {
    this.world.on("logs", mock, GetLogEventsCommand, (input: GetLogEventsCommandInput) => this.getLogEvents(input));
    this.world.on("logs", mock, DescribeLogStreamsCommand, (input: DescribeLogStreamsCommandInput) => this.describeLogStreams(input));
  }

  createGroup(group: string): void {
    if (!this.groups.has(group)) this.groups.set(group, new Map());
  }

  /** Appends lines to a stream (creating the group and stream). */
  put(group: string, stream: string, lines: string[]): void {
    this.createGroup(group);
    const streams = this.groups.get(group) as Map<string, OutputLogEvent[]>;
    const events = streams.get(stream) ?? [];
    for (const message of lines) {
      const timestamp = this.world.now().getTime();
      events.push({ timestamp, ingestionTime: timestamp, message });
    }
    streams.set(stream, events);
  }

  private describeLogStreams(input: DescribeLogStreamsCommandInput) {
    const streams = this.groups.get(input.logGroupName ?? "");
    if (!streams) throw awsError("logs", "ResourceNotFoundException", "The specified log group does not exist.");
    if (input.logStreamNamePrefix && input.orderBy === "LastEventTime") {
      throw awsError("logs", "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.");
    }
    const all: LogStream[] = [...streams.entries()]
      .filter(([name]) => name.startsWith(input.logStreamNamePrefix ?? ""))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([logStreamName, events]) => ({
        logStreamName,
        arn: this.world.arn("logs", `log-group:${input.logGroupName}:log-stream:${logStreamName}`),
        creationTime: events[0]?.timestamp ?? 0,
        firstEventTimestamp: events[0]?.timestamp,
        lastEventTimestamp: events.at(-1)?.timestamp,
      }));
    const start = Number(input.nextToken ?? 0);
    const end = start + (input.limit ?? 50);
    return { logStreams: all.slice(start, end), nextToken: end < all.length ? String(end) : undefined };
  }

  private getLogEvents(input: GetLogEventsCommandInput) {
    const streams = this.groups.get(input.logGroupName ?? "");
    if (!streams) throw awsError("logs", "ResourceNotFoundException", "The specified log group does not exist.");
    const events = streams.get(input.logStreamName ?? "");
    if (!events) throw awsError("logs", "ResourceNotFoundException", "The specified log stream does not exist.");
    const limit = input.limit ?? 10_000;
    const page = input.startFromHead ? events.slice(0, limit) : events.slice(-limit);
    return { events: structuredClone(page), nextForwardToken: `f/${events.length}`, nextBackwardToken: `b/0` };
  }
}
