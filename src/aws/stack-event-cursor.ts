import { DescribeStackEventsCommand, type CloudFormationClient, type StackEvent } from "@aws-sdk/client-cloudformation";
import { awsCall, errorMessage, errorName } from "./aws-call.js";

/**
 * Reads the events of berth's operations on a stack, oldest first, without repeating any: those
 * carrying the ClientRequestToken of a call that started one (CloudFormation gives every event of
 * an operation its token), or, for an operation berth did not start, those newer than a marker.
 * Events come newest first and paginated, so reading stops at the first event already seen or
 * belonging to an earlier operation.
 */
export class EventCursor {
  private readonly seen = new Set<string>();
  private readonly tokens = new Set<string>();
  private marker: string | undefined;
  /** Every event of the operation read so far, oldest first. */
  readonly all: StackEvent[] = [];

  constructor(
    private readonly client: CloudFormationClient,
    private readonly name: string,
    token?: string,
  ) {
    if (token !== undefined) this.tokens.add(token);
  }

  /** Reads the events of the operation this token starts too. */
  follow(token: string): void {
    this.tokens.add(token);
  }

  /** Marks the newest existing event, so only events after it are read (for an operation started by someone else). */
  async start(): Promise<void> {
    const page = await this.page(undefined);
    this.marker = page?.StackEvents?.[0]?.EventId;
  }

  /** Whether an event belongs to an operation before the ones followed. */
  private isEarlier(event: StackEvent): boolean {
    if (event.EventId === this.marker) return true;
    return this.tokens.size > 0 && this.marker === undefined && !this.tokens.has(event.ClientRequestToken ?? "");
  }

  async read(): Promise<StackEvent[]> {
    const fresh: StackEvent[] = [];
    let token: string | undefined;
    pages: do {
      const page = await this.page(token);
      if (!page) break;
      for (const event of page.StackEvents ?? []) {
        const id = event.EventId ?? "";
        if (this.isEarlier(event) || this.seen.has(id)) break pages;
        fresh.push(event);
      }
      token = page.NextToken;
    } while (token);
    fresh.reverse();
    for (const event of fresh) this.seen.add(event.EventId ?? "");
    this.all.push(...fresh);
    return fresh;
  }

  private async page(token: string | undefined) {
    try {
      return await this.client.send(new DescribeStackEventsCommand({ StackName: this.name, NextToken: token }));
    } catch (error) {
      // Gone (deleted) or not created yet: no events to read.
      if (errorName(error) === "ValidationError" && /does not exist/.test(errorMessage(error))) return undefined;
      return awsCall("DescribeStackEvents", `stack ${this.name}`, () => Promise.reject(error));
    }
  }
}
