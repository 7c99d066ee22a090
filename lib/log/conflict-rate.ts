/**
 * The share of this container's recent commit attempts that lost a race (a head or
 * producer state moved, or a concurrent transaction held an item), as an exponentially
 * weighted average that also fades with time, so a burst of contention an hour ago does
 * not slow a quiet partition now. Commit retries wait longer the higher it is: writers
 * that keep colliding spread further apart, and fewer transactions are spent (and billed)
 * only to be cancelled.
 */
export interface ConflictRateOptions {
  /** The weight of each new attempt's outcome, in (0, 1]. */
  readonly weight: number;
  /** With no attempts, the rate halves every this many ms. */
  readonly halfLifeMs: number;
}

export class ConflictRate {
  private rate = 0;
  private at: number | undefined;
  private attemptMs: number | undefined;

  constructor(private readonly options: ConflictRateOptions = { weight: 0.2, halfLifeMs: 10_000 }) {}

  /** Counts one commit attempt's outcome at `now`, and how long it took (its state read and transaction), when known. */
  record(now: number, conflicted: boolean, tookMs?: number): void {
    this.rate = this.current(now) * (1 - this.options.weight) + (conflicted ? this.options.weight : 0);
    this.at = now;
    if (tookMs !== undefined && tookMs >= 0) this.attemptMs = this.attemptMs === undefined ? tookMs : this.attemptMs * (1 - this.options.weight) + tookMs * this.options.weight;
  }

  /** The weighted mean duration of recent attempts; undefined before any was timed. */
  meanAttemptMs(): number | undefined {
    return this.attemptMs;
  }

  /** The rate at `now`, in [0, 1]. */
  current(now: number): number {
    if (this.at === undefined) return 0;
    const idle = Math.max(0, now - this.at);
    return this.rate * 0.5 ** (idle / this.options.halfLifeMs);
  }
}
