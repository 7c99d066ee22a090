import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { compactLog, type LogCompaction } from '../../lib/compaction/compact-log';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { log, observability } from '../middleware/observability';

/** Start nothing new this long before the function's timeout, so the run ends with a summary. */
const TIMEOUT_MARGIN_MS = 60_000;

/** The run's counts, as logged and returned: partitions summed, not listed. */
export type CompactionSummary = Omit<LogCompaction, 'partitions'> & {
  batchesRead: number;
  batchesWritten: number;
  recordsDropped: number;
  batchesReleased: number;
  objectsDeleted: number;
  swapsRefused: number;
  failures: number;
};

/**
 * EventBridge schedule: compaction (lib/compaction/). Merges small batches of every topic
 * into larger objects and, on topics with `cleanup.policy` compact, keeps only the latest
 * record per key (and drops tombstones after `delete.retention.ms`). Idempotent; a run
 * cut short by its time budget leaves the rest to the next.
 */
async function main(_event: ScheduledEvent, context: Context): Promise<CompactionSummary> {
  const ctx = contextFromEnv();
  const { partitions, ...counts } = await compactLog(ctx, { deadline: ctx.now() + context.getRemainingTimeInMillis() - TIMEOUT_MARGIN_MS, log });
  const sum = (pick: (p: (typeof partitions)[number]) => number) => partitions.reduce((total, p) => total + pick(p), 0);
  const summary: CompactionSummary = {
    ...counts,
    batchesRead: sum((p) => p.batchesRead),
    batchesWritten: sum((p) => p.batchesWritten),
    recordsDropped: sum((p) => p.recordsDropped),
    batchesReleased: sum((p) => p.release.batchesReleased),
    objectsDeleted: sum((p) => p.release.objectsDeleted),
    swapsRefused: sum((p) => p.swapsRefused),
    failures: sum((p) => p.release.failures),
  };
  log({ level: 'INFO', message: 'compacted the log', ...summary });
  return summary;
}

export const handler = middy(main).use(observability());
