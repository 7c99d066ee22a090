import middy from '@middy/core';
import { requireAccess } from '../../lib/auth/access-control';
import { createPartitionsRequestSchema, noQuerySchema } from '../../lib/protocol/requests';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { connectionPosterFromEnv } from '../../lib/store/connection-poster';
import { createPartitions } from '../../lib/topics/topic-service';
import { callerOf } from '../middleware/caller';
import { httpErrors, json, jsonBody, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const topic = pathParam(event, 'topic');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic, operation: 'ALTER' });
  const request = jsonBody(event, createPartitionsRequestSchema);
  // Members bound to a watch connection hear of their group's rebalance there (none without a watch API).
  return json(200, await createPartitions(ctx, topic, request.count, { poster: connectionPosterFromEnv() }));
}

export const handler = middy(main).use(observability()).use(httpErrors());
