import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { enforceRetention, type RetentionEnforcement } from '../../lib/retention/enforce-retention';
import { defaultRetentionMsFromEnv } from '../../lib/retention/retention-settings';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { log, observability } from '../middleware/observability';

/** Start nothing new this long before the function's timeout, so the run ends with a summary. */
const TIMEOUT_MARGIN_MS = 30_000;

/** The run's counts, as logged and returned: the trimmed partitions counted, not listed. */
export type RetentionSummary = Omit<RetentionEnforcement, 'trimmed'> & { defaultRetentionMs: number; partitionsTrimmed: number };

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
    log,
  });
  const { trimmed, ...counts } = result;
  const summary: RetentionSummary = { defaultRetentionMs, ...counts, partitionsTrimmed: trimmed.length };
  log({ level: 'INFO', message: 'enforced retention', ...summary });
  return summary;
}

export const handler = middy(main).use(observability());
