/** One API invocation, as Lambda's REPORT line gives it: the function and its handler's duration. */
export interface InvocationReport {
  readonly functionName: string;
  /** From the event's arrival at the handler to its result, as Lambda bills Duration (the HTTP hop and body upload excluded). */
  readonly durationMs: number;
}

/**
 * The local platform's REPORT lines for the HTTP API's invocations, for whoever listens
 * (the bench prices Lambda duration from them and compares a handler's time with the
 * storage calls it makes). Nothing is kept when nobody listens.
 */
export class InvocationReports {
  private readonly listeners = new Set<(report: InvocationReport) => void>();

  /** Calls `listener` for every invocation from now on; answers the function that stops it. */
  listen(listener: (report: InvocationReport) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  record(report: InvocationReport): void {
    for (const listener of this.listeners) listener(report);
  }
}
