import middy from '@middy/core';
import { requireAccess } from '../lib/auth/access-control';
import { callerOf } from './shared/caller';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { deleteTopic } from '../lib/topics/topic-service';
import { httpErrors, noContent, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const topic = pathParam(event, 'topic');
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic, operation: 'DELETE' });
  await deleteTopic(ctx, topic);
  return noContent();
}

export const handler = middy(main).use(observability()).use(httpErrors());
