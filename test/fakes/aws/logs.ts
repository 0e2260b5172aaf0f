/** Fake CloudWatch Logs: streams of events per group, read with GetLogEvents. */
import { GetLogEventsCommand, type GetLogEventsCommandInput, type OutputLogEvent } from "@aws-sdk/client-cloudwatch-logs";
import { awsError, type AnyStub, type World } from "./world.js";

export class FakeLogs {
  /** group -> stream -> events, oldest first. */
  readonly groups = new Map<string, Map<string, OutputLogEvent[]>>();

  constructor(private readonly world: World) {}

  install(mock: AnyStub): void {
    this.world.on("logs", mock, GetLogEventsCommand, (input: GetLogEventsCommandInput) => this.getLogEvents(input));
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
