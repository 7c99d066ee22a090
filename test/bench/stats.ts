/** Latency and rate summaries for the benchmark. */

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array: the smallest value with at least p% of the samples at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** `n` per second over `elapsedMs`. */
export function perSecond(n: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (n * 1000) / elapsedMs : 0;
}

/** a / b, or NaN when there is nothing to divide by. */
export function ratio(a: number | undefined, b: number | undefined): number {
  return a !== undefined && b !== undefined && b > 0 && Number.isFinite(a) ? a / b : Number.NaN;
}
