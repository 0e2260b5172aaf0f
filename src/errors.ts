/** One problem in a user's input, located in the file that holds it. */
export interface Diagnostic {
  /** Repository-relative path of the file, e.g. `.github/preview.yml`. */
  file: string;
  /** 1-based line of the offending key or value; undefined when the file itself is the problem. */
  line?: number;
  /** The key path inside the file, dotted, e.g. `services.web.ports[0]`; empty for the whole file. */
  path: string;
  /** What is wrong and, where possible, what to do instead. Names the key. */
  message: string;
}

/** Something berth accepted but changed or ignored on the way to Fargate. */
export interface Warning {
  /** Stable identifier, kebab-case, e.g. `named-volume-ephemeral`. Listed in the README. */
  code: string;
  message: string;
  file?: string;
  line?: number;
}

/** Formats a diagnostic as `FILE:LINE: message` (or `FILE: message` without a line). */
export function formatDiagnostic(d: Diagnostic): string {
  return d.line === undefined ? `${d.file}: ${d.message}` : `${d.file}:${d.line}: ${d.message}`;
}

/** Base class: every berth error carries a message fit for a check run. */
export class BerthError extends Error {
  /** Text shown to the people on the pull request: no secrets, no stack traces. */
  readonly userMessage: string;
  /**
   * The service that failed in a way the same request may not fail again (throttling, a server
   * error, a timeout); undefined for a failure that repeats until something changes.
   */
  readonly transient: TransientSource | undefined;
  constructor(message: string, options?: { cause?: unknown; userMessage?: string; transient?: TransientSource }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.userMessage = options?.userMessage ?? message;
    this.transient = options?.transient;
  }
}

/** Who failed transiently: the retry of a deploy says so ("a transient AWS error"). */
export type TransientSource = "AWS" | "GitHub";

/** The repository's config or compose file is wrong; nothing was deployed. */
export class InputError extends BerthError {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    const lines = diagnostics.map(formatDiagnostic);
    super(lines.join("\n"));
    this.diagnostics = diagnostics;
  }
}
