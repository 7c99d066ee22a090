import { randomUUID } from 'node:crypto';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { StartupError } from './emulators/startup-error';
import { lambdaContext } from './lambda-context';

/**
 * Local emulation of EventBridge rate schedules: runs each scheduled function's
 * handler in-process every `rateMinutes` (divided by `speedup`). Unlike EventBridge,
 * it never runs one function twice at once: a tick that finds the previous run still
 * going is skipped, and `runNow` waits its turn. A failing run is logged; the
 * schedule goes on.
 */
export type ScheduledHandler = (event: ScheduledEvent, context: Context) => Promise<unknown>;

export interface ScheduledFunction {
  name: string;
  rateMinutes: number;
  handler: ScheduledHandler;
  /** For the Lambda context's remaining time. */
  timeoutSeconds: number;
}

export interface SchedulerOptions {
  functions: readonly ScheduledFunction[];
  /** Divides every period, to watch a schedule without waiting an hour. Default 1. */
  speedup?: number;
  log?: (line: string) => void;
}

/** The variable `npm start` reads the speed-up from. */
export const SCHEDULE_SPEEDUP_ENV_VAR = 'SLUICE_SCHEDULE_SPEEDUP';

export function scheduleSpeedupFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[SCHEDULE_SPEEDUP_ENV_VAR];
  if (raw === undefined || raw === '') return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new StartupError(`${SCHEDULE_SPEEDUP_ENV_VAR} must be a number above 0, got '${raw}'`);
  return value;
}

const LOCAL_REGION = 'local';
/** Node turns a longer timer period into 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const LOCAL_ACCOUNT_ID = '000000000000';

type RunOutcome = { ok: true; result: unknown } | { ok: false; error: unknown };

interface Entry {
  readonly fn: ScheduledFunction;
  readonly periodMs: number;
  timer: NodeJS.Timeout | undefined;
  /** The run in progress and any runNow calls queued behind it; settles when all are done. */
  tail: Promise<void>;
  /** Runs in progress or queued. */
  queued: number;
}

export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly log: (line: string) => void;
  private running = false;
  private stopped = false;

  constructor(options: SchedulerOptions) {
    const speedup = options.speedup ?? 1;
    if (!(speedup > 0)) throw new Error(`speedup must be above 0, got ${speedup}`);
    this.log = options.log ?? console.log;
    for (const fn of options.functions) {
      if (!(fn.rateMinutes > 0)) throw new Error(`${fn.name}: rateMinutes must be above 0, got ${fn.rateMinutes}`);
      if (this.entries.has(fn.name)) throw new Error(`${fn.name}: scheduled twice`);
      const periodMs = (fn.rateMinutes * 60_000) / speedup;
      if (periodMs > MAX_TIMER_MS) throw new Error(`${fn.name}: a period of ${fn.rateMinutes} min is longer than a local timer can wait`);
      this.entries.set(fn.name, { fn, periodMs, timer: undefined, tail: Promise.resolve(), queued: 0 });
    }
  }

  /** The names of the scheduled functions. */
  get names(): string[] {
    return [...this.entries.keys()];
  }

  /** Starts every schedule; the first run of each comes one period from now, as with EventBridge. */
  start(): void {
    if (this.stopped) throw new Error('a stopped Scheduler cannot start again');
    if (this.running) return;
    this.running = true;
    for (const entry of this.entries.values()) {
      entry.timer = setInterval(() => this.tick(entry), entry.periodMs);
      // The schedule alone should not keep the process alive.
      entry.timer.unref();
      this.log(`[${entry.fn.name}] scheduled every ${formatPeriod(entry.periodMs)}`);
    }
  }

  /**
   * Runs the function now, after a run in progress (and earlier runNow calls) have
   * finished; answers its result, or rejects with its error (which is also logged).
   */
  async runNow(name: string): Promise<unknown> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`no scheduled function '${name}'`);
    if (this.stopped) throw new Error(`${name}: the scheduler is stopped`);
    const outcome = await this.enqueue(entry, () => this.invoke(entry));
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  /** Stops the timers; waits for a run in progress and runs already queued. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    for (const entry of this.entries.values()) {
      clearInterval(entry.timer);
      entry.timer = undefined;
    }
    await Promise.all([...this.entries.values()].map((entry) => entry.tail));
  }

  private tick(entry: Entry): void {
    if (!this.running) return;
    if (entry.queued > 0) {
      this.log(`[${entry.fn.name}] skipped a scheduled run: the previous run is still going`);
      return;
    }
    // invoke() logs the handler's errors; a scheduled run has no one to answer to.
    this.enqueue(entry, () => this.invoke(entry)).catch(() => undefined);
  }

  /** Runs `run` once the entry's earlier runs are done. */
  private enqueue<T>(entry: Entry, run: () => Promise<T>): Promise<T> {
    entry.queued++;
    const next = entry.tail.then(run).finally(() => entry.queued--);
    // The chain goes on whatever this run did.
    entry.tail = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  /** One invocation; never throws. */
  private async invoke(entry: Entry): Promise<RunOutcome> {
    const { name, handler, timeoutSeconds } = entry.fn;
    const requestId = randomUUID();
    const started = Date.now();
    try {
      const result = await handler(scheduledEvent(name, new Date(started)), lambdaContext(name, timeoutSeconds, requestId));
      this.log(`[${name}] scheduled run finished in ${Date.now() - started} ms`);
      return { ok: true, result };
    } catch (error) {
      this.log(`[${name}] scheduled run failed after ${Date.now() - started} ms: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return { ok: false, error };
    }
  }
}

/** The event EventBridge sends a target of a schedule rule. */
export function scheduledEvent(functionName: string, time: Date): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:rule/${functionName}-schedule`],
    detail: {},
  };
}

function formatPeriod(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
