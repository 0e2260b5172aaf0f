import { GetLogEventsCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { LogPort } from "../preview/ports.js";
import { awsCall, errorName } from "./aws-call.js";

/** GetLogEvents returns at most this many events per call. */
const MAX_LIMIT = 10_000;

export interface CloudWatchLogsOptions {
  client: CloudWatchLogsClient;
}

/** LogPort on CloudWatch Logs. */
export class CloudWatchLogs implements LogPort {
  private readonly client: CloudWatchLogsClient;

  constructor(options: CloudWatchLogsOptions) {
    this.client = options.client;
  }

  /** The stream's last `lines` messages, oldest first, without trailing newlines; [] when the stream does not exist. */
  async tail(input: { group: string; stream: string; lines: number }): Promise<string[]> {
    const { group, stream } = input;
    const limit = Math.min(Math.floor(input.lines), MAX_LIMIT);
    if (limit <= 0) return [];
    try {
      const out = await this.client.send(
        new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: false, limit }),
      );
      // GetLogEvents pages are in chronological order already.
      return (out.events ?? []).map((e) => (e.message ?? "").replace(/\r?\n$/, "")).slice(-limit);
    } catch (error) {
      if (errorName(error) === "ResourceNotFoundException") return [];
      return awsCall("GetLogEvents", `${group}/${stream}`, () => Promise.reject(error));
    }
  }
}
