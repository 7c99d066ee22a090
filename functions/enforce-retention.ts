import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { enforceRetention } from '../lib/retention/enforce-retention';
import { defaultRetentionMsFromEnv } from '../lib/retention/retention-settings';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { observability } from './shared/observability';

/** Start nothing new this long before the function's timeout, so the run ends with a summary. */
const TIMEOUT_MARGIN_MS = 30_000;

export interface RetentionSummary {
  defaultRetentionMs: number;
  topics: number;
  partitions: number;
  partitionsTrimmed: number;
  recordsExpired: number;
  batchesReleased: number;
  objectsReleased: number;
  objectsDeleted: number;
  failures: number;
  complete: boolean;
}

/**
 * EventBridge schedule: Kafka's time-based retention (lib/retention/enforce-retention.ts).
 * Moves each partition's log start past the batches older than its topic's `retention.ms`
 * (else `SLUICE_DEFAULT_RETENTION_MS`), then deletes their index items, and the ref items
 * and S3 objects of objects no batch references any more. Reads the Topics table, writes
 * the Log table, deletes segment objects. Idempotent; a run cut short by its time budget leaves the rest to the next.
 */
async function main(_event: ScheduledEvent, context: Context): Promise<RetentionSummary> {
  const ctx = contextFromEnv();
  const defaultRetentionMs = defaultRetentionMsFromEnv();
  const result = await enforceRetention(ctx, {
    defaultRetentionMs,
    deadline: ctx.now() + context.getRemainingTimeInMillis() - TIMEOUT_MARGIN_MS,
    log: (entry) => console.log(JSON.stringify(entry)),
  });
  const summary: RetentionSummary = {
    defaultRetentionMs,
    topics: result.topics,
    partitions: result.partitions,
    partitionsTrimmed: result.trimmed.length,
    recordsExpired: result.recordsExpired,
    batchesReleased: result.batchesReleased,
    objectsReleased: result.objectsReleased,
    objectsDeleted: result.objectsDeleted,
    failures: result.failures,
    complete: result.complete,
  };
  console.log(JSON.stringify({ level: 'INFO', message: 'enforced retention', ...summary }));
  return summary;
}

export const handler = middy(main).use(observability());
