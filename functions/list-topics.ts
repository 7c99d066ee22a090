import middy from '@middy/core';
import { noQuerySchema } from '../lib/api/requests';
import { visibleTo } from '../lib/auth/access-control';
import { callerOf } from './shared/caller';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { listTopics } from '../lib/topics/topic-service';
import { httpErrors, json, query, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  return json(200, { topics: await visibleTo(ctx, caller, 'TOPIC', await listTopics(ctx), (t) => t.name) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
