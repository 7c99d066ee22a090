import middy from '@middy/core';
import { noQuerySchema } from '../../lib/protocol/requests';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { listTopicOffsets } from '../../lib/log/list-offsets';
import { httpErrors, json, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const topic = pathParam(event, 'topic');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic, operation: 'DESCRIBE' });
  return json(200, await listTopicOffsets(ctx, topic));
}

export const handler = middy(main).use(observability()).use(httpErrors());
