import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { catchUpAll } from '../../lib/push/dispatch';
import { deliverToTarget } from '../../lib/push/targets';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { log, observability } from '../middleware/observability';

/** Scheduled: delivers every subscription's lagging partitions (new subscriptions, deferred retries, missed events). */
async function main(_event: unknown, context: Context): Promise<{ partitions: number }> {
  const ctx = contextFromEnv();
  const deadline = ctx.now() + Math.min(200_000, Math.max(1_000, context.getRemainingTimeInMillis() - 30_000));
  const results = await catchUpAll(ctx, { holder: context.awsRequestId, deadline, deliver: deliverToTarget });
  log({ level: 'INFO', message: 'catch-up', results });
  return { partitions: results.length };
}

export const handler = middy(main).use(observability());
