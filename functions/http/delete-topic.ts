import middy from '@middy/core';
import { noQuerySchema } from '../../lib/protocol/requests';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { deleteTopic } from '../../lib/topics/topic-service';
import { httpErrors, noBody, noContent, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

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
