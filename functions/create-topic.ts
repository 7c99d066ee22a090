import middy from '@middy/core';
import { requireAccess } from '../lib/auth/access-control';
import { callerOf } from './shared/caller';
import { createTopicRequestSchema } from '../lib/api/requests';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { createTopic } from '../lib/topics/topic-service';
import { httpErrors, json, jsonBody, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const request = jsonBody(event, createTopicRequestSchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: request.name, operation: 'CREATE' });
  return json(201, await createTopic(ctx, request));
}

export const handler = middy(main).use(observability()).use(httpErrors());
