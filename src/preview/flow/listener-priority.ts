import type { LoadBalancerPort } from "../ports.js";

/**
 * Allocates listener rule priorities ourselves, collision-free within this process: reads the
 * priorities in use on the listener, skips those handed out here and not yet visible, and takes
 * the lowest free one. Another process can still race us; the caller retries on PriorityInUse
 * after `reject(priority)`.
 */
export class ListenerPriorityAllocator {
  private readonly reserved = new Map<number, number>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly loadBalancers: LoadBalancerPort,
    private readonly options: { reserveMs?: number; now?: () => number } = {},
  ) {}

  /** The lowest priority (1..50000) neither used on the listener nor recently handed out. */
  allocate(listenerArn: string): Promise<number> {
    const next = this.chain.then(async () => {
      const now = this.options.now?.() ?? Date.now();
      for (const [priority, until] of this.reserved) if (until <= now) this.reserved.delete(priority);
      const used = new Set(await this.loadBalancers.usedPriorities(listenerArn));
      for (let priority = 1; priority <= 50_000; priority += 1) {
        if (used.has(priority) || this.reserved.has(priority)) continue;
        this.reserved.set(priority, now + (this.options.reserveMs ?? 15 * 60_000));
        return priority;
      }
      throw new Error(`listener ${listenerArn} has no free rule priority`);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Keeps a priority that turned out to be taken out of circulation for a while. */
  reject(priority: number): void {
    this.reserved.set(priority, (this.options.now?.() ?? Date.now()) + (this.options.reserveMs ?? 15 * 60_000));
  }
}

/** Whether a stack failure was a listener rule priority collision. */
export function isPriorityInUse(message: string): boolean {
  return /PriorityInUse|priority '?\d+'? is (currently )?in use/i.test(message);
}
