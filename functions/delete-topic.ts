import middy from '@middy/core';
import { noQuerySchema } from '../lib/api/requests';
import { requireAccess } from '../lib/auth/access-control';
import { callerOf } from './shared/caller';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { deleteTopic } from '../lib/topics/topic-service';
import { httpErrors, noBody, noContent, pathParam, query, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const topic = pathParam(event, 'topic');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic, operation: 'DELETE' });
  noBody(event);
  await deleteTopic(ctx, topic);
  return noContent();
}

export const handler = middy(main).use(observability()).use(httpErrors());
