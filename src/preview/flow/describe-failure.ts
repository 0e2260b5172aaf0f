import { BerthError, InputError, formatDiagnostic, type TransientSource } from "../../errors.js";
import { redactLines } from "../../util/redact.js";
import { ReleaseStepError } from "./release-step.js";
import { ServiceStoppedError } from "./stopped-service.js";

/**
 * The message for the PR, plus verbatim lines (bad input) or a log tail (a failed step, or the
 * stopped task of a service that did not roll out, with the container it is of), redacted,
 * and which service failed when the failure may pass (`transient`).
 */
export function describeFailure(
  error: unknown,
  redact: (text: string) => string,
): { message: string; logTail?: string[]; logOf?: string; details?: string[]; transient?: TransientSource } {
  const transient = findTransient(error);
  const described = describeError(error, redact);
  return transient === undefined ? described : { ...described, transient };
}

/** The transient source of the error or of a BerthError it wraps. */
export function findTransient(error: unknown): TransientSource | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof BerthError && e.transient !== undefined) return e.transient;
  }
  return undefined;
}

function describeError(error: unknown, redact: (text: string) => string): { message: string; logTail?: string[]; logOf?: string; details?: string[] } {
  if (error instanceof InputError) {
    const count = error.diagnostics.length;
    return { message: `${count} problem${count === 1 ? "" : "s"} in the repository's preview files:`, details: error.diagnostics.map(formatDiagnostic) };
  }
  if (error instanceof ReleaseStepError) return { message: redact(error.userMessage), logTail: redactLines(redact, error.logTail) };
  if (error instanceof ServiceStoppedError) {
    return {
      message: redact(error.userMessage),
      details: redactLines(redact, error.details),
      logTail: redactLines(redact, error.logTail),
      ...(error.logOf === undefined ? {} : { logOf: error.logOf }),
    };
  }
  if (error instanceof BerthError) return { message: redact(error.userMessage) };
  return { message: "berth hit an internal error; the operators have the details in berth's log." };
}
