/**
 * The messages between createWorkerPlanner (main thread) and plan-worker.ts: a task and its
 * answer over the worker's port, and the repository reads the worker asks of the main thread
 * over a port of the task's own. Errors cross as data and are built again on the other side.
 */
import type { MessagePort } from "node:worker_threads";
import { BerthError, InputError, type Diagnostic, type TransientSource } from "../errors.js";
import type { PreviewStack } from "../stack/build-template.js";
import type { PreviewPlan } from "./plan-preview.js";
import type { PlanInput, RenderInput } from "./planner.js";

/** A task for a worker. `reads` answers the worker's repository reads (plan tasks only). */
export type PlanTask =
  | { id: number; kind: "plan"; input: Omit<PlanInput, "reader" | "configLineOf"> & { withLines: boolean }; reads: MessagePort }
  | { id: number; kind: "render"; plan: Omit<PreviewPlan, "stack">; input: RenderInput };

/** A worker's answer to task `id`. */
export type PlanAnswer = { id: number; plan: PreviewPlan } | { id: number; stack: PreviewStack } | { id: number; error: ErrorData };

/** A read the worker asks for, and its answer. */
export type ReadRequest = { id: number; op: "readFile" | "listFiles"; file: string };
export type ReadAnswer = { id: number; value: unknown } | { id: number; failure: number; message: string };

/** An error as data. `failure` numbers a read that failed on the main thread: that error is thrown again as it was. */
export type ErrorData =
  | { kind: "input"; diagnostics: Diagnostic[] }
  | { kind: "berth"; name: string; message: string; userMessage: string; transient?: TransientSource }
  | { kind: "read"; failure: number }
  | { kind: "other"; name: string; message: string; stack?: string };

/** Thrown in the worker when a read failed on the main thread. */
export class ReadFailedError extends Error {
  constructor(
    message: string,
    readonly failure: number,
  ) {
    super(message);
  }
}

/** An error as data, for postMessage. */
export function toErrorData(error: unknown): ErrorData {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof ReadFailedError) return { kind: "read", failure: e.failure };
  }
  if (error instanceof InputError) return { kind: "input", diagnostics: error.diagnostics };
  if (error instanceof BerthError) {
    return { kind: "berth", name: error.name, message: error.message, userMessage: error.userMessage, ...(error.transient ? { transient: error.transient } : {}) };
  }
  if (error instanceof Error) return { kind: "other", name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { kind: "other", name: "Error", message: String(error) };
}

/** The error again: an InputError with its diagnostics, a BerthError with its message for people, or a plain Error. */
export function fromErrorData(data: Exclude<ErrorData, { kind: "read" }>): Error {
  if (data.kind === "input") return new InputError(data.diagnostics);
  if (data.kind === "berth") {
    const error = new BerthError(data.message, { userMessage: data.userMessage, ...(data.transient ? { transient: data.transient } : {}) });
    error.name = data.name;
    return error;
  }
  const error = new Error(data.message);
  error.name = data.name;
  if (data.stack) error.stack = data.stack;
  return error;
}
