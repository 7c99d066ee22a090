import type { InvocationReports } from '../../infra/local/invocation-reports';
import { emptyCounts, type OperationCounts, type RequestCounter, type RequestSnapshot } from '../../lib/cost/request-accounting';
import type { BackgroundInvocations, BackgroundWork } from './background';
import { perSecond, summarize, type LatencySummary } from './stats';
import type { BoundedRun } from './runner';

/** The counters of an in-process run: API handlers' requests, background functions' requests and invocations. */
export interface Meters {
  api?: RequestCounter;
  background?: RequestCounter;
  work?: BackgroundWork;
  /** A counter of one background function's requests only; detach it when done. */
  only?: (functionName: string) => { counter: RequestCounter; detach(): void };
  /** The HTTP API's invocations with their handler durations (in-process only). */
  invocations?: InvocationReports;
}

/** What the meters saw while some work ran. */
export interface Measured {
  /** The SDK requests the API handlers made (in-process only). */
  requests?: RequestSnapshot;
  /** What stream triggers and schedules did meanwhile (in-process only). */
  background?: { requests: RequestSnapshot; functions: BackgroundInvocations['functions'] };
  /**
   * The API handlers' own durations by function (in-process only): from the event's arrival
   * to the handler's result, as Lambda bills Duration, without the HTTP hop and body upload
   * that API Gateway does in front of Lambda.
   */
  handlerMs?: Record<string, LatencySummary>;
}

/** What every measured cell reports. */
export interface CellFigures extends Measured {
  ops: number;
  records: number;
  /** Record payload bytes (values) moved. */
  payloadBytes: number;
  elapsedMs: number;
  opsPerSecond: number;
  recordsPerSecond: number;
  mibPerSecond: number;
  latencyMs: LatencySummary;
  errors: number;
  errorCodes: Record<string, number>;
}

export function figures(run: BoundedRun, measured: Measured = {}): CellFigures {
  return {
    ops: run.ops,
    records: run.records,
    payloadBytes: run.bytes,
    elapsedMs: run.elapsedMs,
    opsPerSecond: perSecond(run.ops, run.elapsedMs),
    recordsPerSecond: perSecond(run.records, run.elapsedMs),
    mibPerSecond: perSecond(run.bytes / 1024 ** 2, run.elapsedMs),
    latencyMs: summarize(run.latenciesMs),
    errors: run.errors,
    errorCodes: run.errorCodes,
    ...measured,
  };
}

/** Runs `work` and answers its result with what the meters saw meanwhile. */
export async function counted<T>(meters: Meters, work: () => Promise<T>): Promise<{ result: T } & Measured> {
  const api = meters.api?.snapshot();
  const background = meters.background?.snapshot();
  const invocations = meters.work?.snapshot();
  const durations: Record<string, number[]> = {};
  const stopListening = meters.invocations?.listen(({ functionName, durationMs }) => void (durations[functionName] ??= []).push(durationMs));
  let result: T;
  try {
    result = await work();
  } finally {
    stopListening?.();
  }
  const measured: Measured = {};
  if (meters.invocations) measured.handlerMs = Object.fromEntries(Object.entries(durations).map(([name, samples]) => [name, summarize(samples)]));
  if (meters.api && api) measured.requests = meters.api.diff(api, meters.api.snapshot());
  if (meters.background && background && meters.work && invocations) {
    measured.background = {
      requests: meters.background.diff(background, meters.background.snapshot()),
      functions: meters.work.diff(invocations, meters.work.snapshot()).functions,
    };
  }
  return { result, ...measured };
}

/** Two request snapshots added together, operation by operation (every counter and error name). */
export function addSnapshots(a: RequestSnapshot, b: RequestSnapshot): RequestSnapshot {
  const services: RequestSnapshot['services'] = {};
  for (const snapshot of [a, b]) {
    for (const [service, operations] of Object.entries(snapshot.services)) {
      for (const [operation, counts] of Object.entries(operations)) {
        const total = ((services[service] ??= {})[operation] ??= emptyCounts());
        for (const key of Object.keys(counts) as (keyof OperationCounts)[]) {
          if (key === 'errorNames') {
            for (const [name, n] of Object.entries(counts.errorNames)) total.errorNames[name] = (total.errorNames[name] ?? 0) + n;
          } else {
            total[key] += counts[key];
          }
        }
      }
    }
  }
  return { services };
}

/** What the meters saw over two separate stretches of work, added together (for work measured in slices). */
export function addMeasured(a: Measured, b: Measured): Measured {
  const sum: Measured = {};
  if (a.requests || b.requests) sum.requests = addSnapshots(a.requests ?? { services: {} }, b.requests ?? { services: {} });
  if (a.background || b.background) {
    const functions: BackgroundInvocations['functions'] = {};
    for (const part of [a.background, b.background]) {
      for (const [name, f] of Object.entries(part?.functions ?? {})) {
        const total = (functions[name] ??= { invocations: 0, ms: 0 });
        total.invocations += f.invocations;
        total.ms += f.ms;
      }
    }
    sum.background = { requests: addSnapshots(a.background?.requests ?? { services: {} }, b.background?.requests ?? { services: {} }), functions };
  }
  return sum;
}

export type Progress = (line: string) => void;
