import middy from '@middy/core';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { chargeQuota } from '../../lib/auth/quotas';
import { recordSize } from '../../lib/records/log-record';
import { incomingRecords } from '../../lib/records/record-encoding';
import { fastProduceRequest, noQuerySchema, produceRequestSchema } from '../../lib/protocol/requests';
import { produce } from '../../lib/log/produce';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const topic = pathParam(event, 'topic');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  // Before the body is read, so a caller without WRITE gets the same 403 whatever it sent.
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic, operation: 'WRITE' });
  const request = jsonBody(event, produceRequestSchema, fastProduceRequest);
  const records = incomingRecords(request);
  await chargeQuota(ctx, caller, 'produce', records.reduce((sum, r) => sum + recordSize({ ...r, timestamp: 0 }), 0));
  const result = await produce(ctx, topic, records, { producer: request.producer, expectedOffset: request.expectedOffset, principal: caller.principal });
  return json(200, result);
}

export const handler = middy(main).use(observability()).use(httpErrors());
