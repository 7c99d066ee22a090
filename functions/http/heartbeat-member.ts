import middy from '@middy/core';
import { noQuerySchema } from '../../lib/protocol/requests';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { heartbeat } from '../../lib/groups/membership';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, json, noBody, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = pathParam(event, 'group');
  const member = pathParam(event, 'member');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'READ' });
  noBody(event);
  return json(200, await heartbeat(ctx, group, member));
}

export const handler = middy(main).use(observability()).use(httpErrors());
