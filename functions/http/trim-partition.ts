import middy from '@middy/core';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { noQuerySchema, trimRequestSchema } from '../../lib/protocol/requests';
import { trimPartition } from '../../lib/log/trim-partition';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const topic = pathParam(event, 'topic');
  const partition = pathParam(event, 'partition');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  // Kafka authorizes DeleteRecords by DELETE on the topic.
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic, operation: 'DELETE' });
  const { offset } = jsonBody(event, trimRequestSchema);
  return json(200, await trimPartition(ctx, topic, partition, offset));
}

export const handler = middy(main).use(observability()).use(httpErrors());
