import middy from '@middy/core';
import { noQuerySchema } from '../lib/api/requests';
import { visibleTo } from '../lib/auth/access-control';
import { callerOf } from './shared/caller';
import { listGroups } from '../lib/groups/describe-group';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, query, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  return json(200, { groups: await visibleTo(ctx, caller, 'GROUP', await listGroups(ctx), (g) => g.group) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
