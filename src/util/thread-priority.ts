import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";

/** The niceness background threads run at (the process's own threads stay at 0, the default). */
export const BACKGROUND_NICENESS = 10;

/**
 * Lowers the calling worker thread's scheduling priority to `niceness`, so that when the cores are short the
 * thread that answers HTTP runs first and the background work waits. Linux schedules threads on
 * their own (a thread's id is its task id under /proc/thread-self); elsewhere, or where the
 * kernel refuses, nothing changes and the reason is returned.
 */
export function lowerThreadPriority(niceness = BACKGROUND_NICENESS): string | undefined {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").at(-1));
    if (!Number.isSafeInteger(tid) || tid <= 0) return "no thread id under /proc/thread-self";
    setPriority(tid, niceness);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
