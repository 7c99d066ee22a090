/**
 * Runs an operation from `concurrency` workers until a time bound or an operation count is
 * reached, whichever comes first, and records each operation's latency. Errors are counted
 * by code and the workers carry on.
 */
export interface Bounds {
  durationMs: number;
  maxOps: number;
}

export interface OpOutcome {
  records?: number;
  bytes?: number;
}

export interface BoundedRun {
  ops: number;
  records: number;
  bytes: number;
  elapsedMs: number;
  latenciesMs: number[];
  errors: number;
  errorCodes: Record<string, number>;
}

export async function runBounded(
  concurrency: number,
  bounds: Bounds,
  op: (worker: number, sequence: number) => Promise<OpOutcome>,
): Promise<BoundedRun> {
  const run: BoundedRun = { ops: 0, records: 0, bytes: 0, elapsedMs: 0, latenciesMs: [], errors: 0, errorCodes: {} };
  const started = performance.now();
  const deadline = started + bounds.durationMs;
  let issued = 0;
  const worker = async (index: number) => {
    let sequence = 0;
    while (issued < bounds.maxOps && performance.now() < deadline) {
      issued++;
      const t0 = performance.now();
      try {
        const outcome = await op(index, sequence++);
        run.latenciesMs.push(performance.now() - t0);
        run.ops++;
        run.records += outcome.records ?? 0;
        run.bytes += outcome.bytes ?? 0;
      } catch (error) {
        run.errors++;
        const code = errorCode(error);
        run.errorCodes[code] = (run.errorCodes[code] ?? 0) + 1;
        if (run.errors > 1000) throw new Error(`too many errors, last: ${code}: ${(error as Error).message}`, { cause: error });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  run.elapsedMs = performance.now() - started;
  return run;
}

export function errorCode(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name;
  }
  return 'Error';
}
