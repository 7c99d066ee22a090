import middy from '@middy/core';
import { noQuerySchema } from '../../lib/protocol/requests';
import { visibleTo } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { listTopics } from '../../lib/topics/topic-service';
import { httpErrors, json, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  return json(200, { topics: await visibleTo(ctx, caller, 'TOPIC', await listTopics(ctx), (t) => t.name) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
