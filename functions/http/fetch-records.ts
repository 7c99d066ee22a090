import middy from '@middy/core';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { chargeQuota } from '../../lib/auth/quotas';
import { recordSize } from '../../lib/records/log-record';
import { recordsJson } from '../../lib/records/record-encoding';
import { fetchQuerySchema } from '../../lib/protocol/requests';
import { fetchRecords } from '../../lib/log/fetch-records';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, jsonWith, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const topic = pathParam(event, 'topic');
  const partition = pathParam(event, 'partition');
  const { encoding, ...limits } = query(event, fetchQuerySchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic, operation: 'READ' });
  await chargeQuota(ctx, caller, 'fetch', 0);
  const result = await fetchRecords(ctx, { topic, partition, ...limits });
  // Charged after the read, when its size is known; an overdrawn window refuses the next fetch.
  await chargeQuota(ctx, caller, 'fetch', result.records.reduce((sum, r) => sum + recordSize(r), 0)).catch(() => undefined);
  return jsonWith(200, { ...result, encoding }, 'records', recordsJson(result.records, encoding));
}

export const handler = middy(main).use(observability()).use(httpErrors());
