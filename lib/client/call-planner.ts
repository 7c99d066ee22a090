/**
 * How many partitions one produce call should touch (docs/design.md, "Partitions per
 * call"). One call is one API Gateway request, one Lambda invocation and one S3 PUT,
 * whatever it holds, plus a transaction of 2 items per partition (3 when idempotent) and
 * a few fixed ones, each billed 2 write units, and one head read per partition. With no
 * contention, more partitions per call is always cheaper per partition: the fixed costs
 * are shared. But the transaction is all or nothing: a commit that loses the race on any
 * one of its partitions is cancelled (and billed) and tried again whole, so with a
 * per-partition conflict chance q a call of m partitions takes about (1 - q)^-m attempts.
 * The cheapest m minimizes the expected cost per partition, and falls as q rises.
 */

/**
 * us-east-1 on-demand prices of what a produce call bills (the cost model's figures, in
 * lib/cost/prices.ts, with their sources; a test holds these equal to them).
 */
export interface CallPrices {
  /** API Gateway request + Lambda invocation + its duration (1,024 MB, ~40 ms) + one S3 PUT. */
  perCall: number;
  /** One strongly consistent read of a small item (1 read unit). */
  perRead: number;
  /** One item of a transaction (2 write units). */
  perTransactionItem: number;
}

export const DEFAULT_CALL_PRICES: CallPrices = {
  perCall: 1.0e-6 + 0.2e-6 + 1.024 * 0.04 * 0.0000133334 + 0.005 / 1000,
  perRead: 0.125e-6,
  perTransactionItem: 2 * 0.625e-6,
};

/** The billed cost of one call's commit attempt over `partitions` partitions, and the reads before it. */
function attemptCost(partitions: number, idempotent: boolean, prices: CallPrices): number {
  // Per partition: head update + index item (+ producer state); fixed: topic check + ref item (+ producer check).
  const items = idempotent ? 3 * partitions + 3 : 2 * partitions + 2;
  // Per partition: the head (+ the producer's state); fixed: the producer item.
  const reads = idempotent ? 2 * partitions + 1 : partitions;
  return items * prices.perTransactionItem + reads * prices.perRead;
}

/** Expected cost per partition of a call touching `partitions`, at per-partition conflict chance `conflict`. */
export function expectedCostPerPartition(partitions: number, conflict: number, idempotent: boolean, prices: CallPrices = DEFAULT_CALL_PRICES): number {
  const success = Math.max(1e-6, 1 - Math.min(Math.max(conflict, 0), 1)) ** partitions;
  return (prices.perCall + attemptCost(partitions, idempotent, prices) / success) / partitions;
}

/** The partitions per call, in 1..max, with the lowest expected cost per partition (the largest among equals). */
export function cheapestPartitionsPerCall(max: number, conflict: number, idempotent: boolean, prices: CallPrices = DEFAULT_CALL_PRICES): number {
  let best = max;
  let bestCost = expectedCostPerPartition(max, conflict, idempotent, prices);
  for (let m = max - 1; m >= 1; m--) {
    const cost = expectedCostPerPartition(m, conflict, idempotent, prices);
    if (cost < bestCost * (1 - 1e-9)) {
      best = m;
      bestCost = cost;
    }
  }
  return best;
}

/**
 * The per-partition conflict chance the producer has seen, from the commit attempts the
 * server reports per call: a call of m partitions that took a attempts suggests a
 * success chance per attempt of 1/a, so (1 - q)^m = 1/a. Averaged exponentially, so it
 * follows the load and decays back towards 0 when conflicts stop.
 */
export class ConflictEstimate {
  private estimate = 0;

  constructor(private readonly weight = 0.2) {}

  get value(): number {
    return this.estimate;
  }

  record(partitions: number, commitAttempts: number): void {
    if (!(partitions >= 1) || !(commitAttempts >= 1)) return;
    const observed = 1 - commitAttempts ** (-1 / partitions);
    this.estimate += this.weight * (observed - this.estimate);
  }
}
