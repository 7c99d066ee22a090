/**
 * Where lib/ code writes the rare log line it cannot hand back to a caller (an anomaly
 * noticed deep in a read): functions/middleware/observability.ts installs the Powertools
 * logger, so the line carries the Lambda context and correlation id. Nothing installed
 * (tests, scripts) writes JSON to stderr.
 */
export type LogLine = { level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'; message: string } & Record<string, unknown>;

let sink: ((line: LogLine) => void) | undefined;

/** Replaces where lib/ logs; `undefined` restores stderr. */
export function setLogSink(next: ((line: LogLine) => void) | undefined): void {
  sink = next;
}

export function logLine(line: LogLine): void {
  if (sink) sink(line);
  else console.error(JSON.stringify(line));
}
