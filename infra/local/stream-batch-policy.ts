import type { StreamTriggerSpec } from '../platform-spec';
import type { Delivery } from './stream-records';

/**
 * What an event source mapping does after a failed invocation: Lambda's
 * bisect-on-error, retry-attempts and maximum-record-age rules, decided here
 * without side effects; the trigger logs, sleeps, checkpoints and invokes.
 */

/** Records sent to the function together, and what they went through so far. */
export interface Piece {
  records: Delivery[];
  /** Retries of these records as one batch; splitting does not count (as in Lambda). */
  retries: number;
  /** Invocations that included these records. */
  invocations: number;
  lastError: string;
}

/** An invocation's result: all done, or the first `succeeded` records done and the rest failed. */
export type Outcome = { ok: true } | { ok: false; succeeded: number; error: string };
export type Failure = Extract<Outcome, { ok: false }>;

export type FailureReason = 'RetryAttemptsExhausted' | 'MaximumRecordAgeExceeded';

/** The next step for the records an invocation did not get through. */
export type NextStep =
  | { action: 'on-failure'; piece: Piece; reason: FailureReason }
  /** Bisected at the reported record: only the rest is retried, and that is not a retry. */
  | { action: 'retry-rest'; piece: Piece }
  | { action: 'split'; piece: Piece; halves: [Piece, Piece] }
  | { action: 'retry'; piece: Piece };

/** DynamoDB Streams keeps records for 24 hours; Lambda's "-1 = forever" ends there. */
const STREAM_RETENTION_SECONDS = 24 * 60 * 60;

export function afterFailure(
  piece: Piece,
  outcome: Failure,
  spec: Pick<StreamTriggerSpec, 'bisectBatchOnError' | 'retryAttempts' | 'maxRecordAgeSeconds'>,
  nowMs: number,
): NextStep {
  const failed: Piece = { records: piece.records.slice(outcome.succeeded), retries: piece.retries, invocations: piece.invocations, lastError: outcome.error };
  if (tooOld(failed.records, spec.maxRecordAgeSeconds, nowMs)) return { action: 'on-failure', piece: failed, reason: 'MaximumRecordAgeExceeded' };
  if (spec.bisectBatchOnError && outcome.succeeded > 0) return { action: 'retry-rest', piece: failed };
  if (spec.bisectBatchOnError && failed.records.length > 1) {
    const middle = Math.ceil(failed.records.length / 2);
    const half = (records: Delivery[]): Piece => ({ ...failed, records });
    return { action: 'split', piece: failed, halves: [half(failed.records.slice(0, middle)), half(failed.records.slice(middle))] };
  }
  const retried: Piece = { ...failed, retries: failed.retries + 1 };
  if (spec.retryAttempts >= 0 && retried.retries > spec.retryAttempts) return { action: 'on-failure', piece: retried, reason: 'RetryAttemptsExhausted' };
  return { action: 'retry', piece: retried };
}

function tooOld(records: Delivery[], maxRecordAgeSeconds: number, nowMs: number): boolean {
  const maxAge = maxRecordAgeSeconds >= 0 ? maxRecordAgeSeconds : STREAM_RETENTION_SECONDS;
  const oldest = Math.min(...records.map((d) => d.createdAtMs));
  return nowMs - oldest > maxAge * 1000;
}

/**
 * Lambda's partial batch response: `batchItemFailures` empty or absent means
 * success; otherwise everything before the lowest reported record succeeded. An
 * identifier that is empty or not in the batch fails the whole batch.
 */
export function readBatchResponse(result: unknown, records: Delivery[]): Outcome {
  if (result === null || typeof result !== 'object') return { ok: true };
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { ok: true };
  if (!Array.isArray(failures)) return { ok: false, succeeded: 0, error: 'batchItemFailures is not an array' };
  if (failures.length === 0) return { ok: true };
  let lowest = records.length;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = typeof id === 'string' && id !== '' ? records.findIndex((d) => d.sequenceNumber === id) : -1;
    if (index < 0) return { ok: false, succeeded: 0, error: `batchItemFailures names ${JSON.stringify(id)}, which is not a sequence number of the batch` };
    lowest = Math.min(lowest, index);
  }
  return { ok: false, succeeded: lowest, error: `the function reported record ${records[lowest]!.sequenceNumber} as failed` };
}
