import middy from '@middy/core';
import { noQuerySchema } from '../../lib/protocol/requests';
import { visibleTo } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { listGroups } from '../../lib/groups/describe-group';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, json, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  return json(200, { groups: await visibleTo(ctx, caller, 'GROUP', await listGroups(ctx), (g) => g.group) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
