import middy from '@middy/core';
import { requireAccess } from '../../lib/auth/access-control';
import { alterTopicConfigRequestSchema, noQuerySchema } from '../../lib/protocol/requests';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { alterTopicConfig } from '../../lib/topics/topic-service';
import { callerOf } from '../middleware/caller';
import { httpErrors, json, jsonBody, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const topic = pathParam(event, 'topic');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic, operation: 'ALTER_CONFIGS' });
  const request = jsonBody(event, alterTopicConfigRequestSchema);
  return json(200, await alterTopicConfig(ctx, topic, request.config));
}

export const handler = middy(main).use(observability()).use(httpErrors());
