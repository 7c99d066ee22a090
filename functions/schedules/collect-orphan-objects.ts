import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { collectOrphanObjects } from '../../lib/gc/collect-orphan-objects';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { log, observability } from '../middleware/observability';

/** Stop listing this long before the function's timeout, so the run ends with a summary. */
const TIMEOUT_MARGIN_MS = 30_000;

export interface OrphanCollectionSummary {
  scanned: number;
  deleted: number;
  keptYoung: number;
  keptReferenced: number;
  skippedUnknownKeys: number;
  failed: number;
  checkpointsAdvanced: number;
  checkpointFailures: number;
  complete: boolean;
  prefixesListed: number;
}

/**
 * EventBridge schedule: deletes segment objects that no commit references and that
 * are past the grace period (lib/gc/collect-orphan-objects.ts), listing each
 * `seg/<xx>/` prefix that is due (every hour while it has new objects, less often the
 * longer it has had none) from its checkpoint in the Log table, so it needs write access
 * to that table. Idempotent; a run cut short by its time budget moves each
 * checkpoint only over what it decided and leaves the rest to the next one.
 */
async function main(_event: ScheduledEvent, context: Context): Promise<OrphanCollectionSummary> {
  const ctx = contextFromEnv();
  const result = await collectOrphanObjects(ctx, {
    deadline: ctx.now() + context.getRemainingTimeInMillis() - TIMEOUT_MARGIN_MS,
    log,
    // Idle prefixes are listed less often (down to every 16 hours): an idle bucket costs ~384 LISTs a day, not 6,144.
    idleBackoff: true,
  });
  const summary: OrphanCollectionSummary = {
    scanned: result.scanned,
    deleted: result.deleted.length,
    keptYoung: result.keptYoung,
    keptReferenced: result.keptReferenced,
    skippedUnknownKeys: result.skippedUnknownKeys,
    failed: result.failed.length,
    checkpointsAdvanced: result.checkpointsAdvanced,
    checkpointFailures: result.checkpointFailures,
    complete: result.complete,
    prefixesListed: result.prefixesListed,
  };
  log({ level: 'INFO', message: 'collected orphan objects', ...summary });
  return summary;
}

export const handler = middy(main).use(observability());
