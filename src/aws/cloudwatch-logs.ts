import { DescribeLogStreamsCommand, GetLogEventsCommand, type CloudWatchLogsClient, type LogStream } from "@aws-sdk/client-cloudwatch-logs";
import type { LogPort } from "../preview/ports.js";
import { awsCall, errorName } from "./aws-call.js";
import { AWS_REGION_PATTERN } from "../util/aws-region.js";

/** GetLogEvents returns at most this many events per call. */
const MAX_LIMIT = 10_000;

export interface CloudWatchLogsOptions {
  client: CloudWatchLogsClient;
  /** The client's region, for links to the console. */
  region?: string;
}

/**
 * The CloudWatch console's way of putting a name in its URL fragment: percent-encoded twice,
 * then `%` written as `$` (`/ecs/app` becomes `$252Fecs$252Fapp`).
 */
function consoleEncode(text: string): string {
  return encodeURIComponent(encodeURIComponent(text)).replace(/%/g, "$");
}

/** LogPort on CloudWatch Logs. */
export class CloudWatchLogs implements LogPort {
  private readonly client: CloudWatchLogsClient;
  private readonly region: string | undefined;

  constructor(options: CloudWatchLogsOptions) {
    this.client = options.client;
    this.region = options.region;
  }

  consoleUrl(input: { group: string; stream: string } | { group: string; prefix: string }): string | undefined {
    if (this.region === undefined || !AWS_REGION_PATTERN.test(this.region)) return undefined;
    const host = this.region.startsWith("cn-") ? "console.amazonaws.cn" : this.region.startsWith("us-gov-") ? "console.amazonaws-us-gov.com" : "console.aws.amazon.com";
    const base = `https://${this.region}.${host}/cloudwatch/home?region=${this.region}#logsV2:log-groups/log-group/${consoleEncode(input.group)}`;
    return "stream" in input ? `${base}/log-events/${consoleEncode(input.stream)}` : `${base}${consoleEncode(`?logStreamNameFilter=${input.prefix}`)}`;
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

  /**
   * The stream under `prefix` with the newest event (streams without events count by creation
   * time); undefined when there is none or the group does not exist. DescribeLogStreams cannot
   * order by event time within a prefix, so every page of the prefix is read.
   */
  async latestStream(input: { group: string; prefix: string }): Promise<string | undefined> {
    const { group, prefix } = input;
    let newest: LogStream | undefined;
    const time = (s: LogStream) => s.lastEventTimestamp ?? s.creationTime ?? 0;
    let token: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: prefix, nextToken: token }),
        );
        for (const stream of out.logStreams ?? []) if (!newest || time(stream) > time(newest)) newest = stream;
        token = out.nextToken;
      } while (token);
    } catch (error) {
      if (errorName(error) === "ResourceNotFoundException") return undefined;
      return awsCall("DescribeLogStreams", `${group}/${prefix}`, () => Promise.reject(error));
    }
    return newest?.logStreamName;
  }
}
