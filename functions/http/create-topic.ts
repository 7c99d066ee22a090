import middy from '@middy/core';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { createTopicRequestSchema, noQuerySchema, topicNameOfBodySchema } from '../../lib/protocol/requests';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { createTopic } from '../../lib/topics/topic-service';
import { httpErrors, json, jsonBody, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  query(event, noQuerySchema);
  // The name decides the permission, so it is read first; the rest is validated only for a caller allowed to create it.
  const { name } = jsonBody(event, topicNameOfBodySchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: name, operation: 'CREATE' });
  const request = jsonBody(event, createTopicRequestSchema);
  return json(201, await createTopic(ctx, request));
}

export const handler = middy(main).use(observability()).use(httpErrors());
