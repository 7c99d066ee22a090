import middy from '@middy/core';
import { noQuerySchema } from '../lib/api/requests';
import { requireAccess } from '../lib/auth/access-control';
import { callerOf } from './shared/caller';
import { deleteSubscription } from '../lib/push/subscriptions';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, noBody, noContent, pathParam, query, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = pathParam(event, 'group');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'DELETE' });
  noBody(event);
  await deleteSubscription(ctx, group);
  return noContent();
}

export const handler = middy(main).use(observability()).use(httpErrors());
