import middy from '@middy/core';
import { noQuerySchema } from '../../lib/protocol/requests';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { deleteGroup } from '../../lib/groups/group-admin';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, noBody, noContent, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = pathParam(event, 'group');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  // Kafka's DeleteGroups: DELETE on the group.
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'DELETE' });
  noBody(event);
  await deleteGroup(ctx, group);
  return noContent();
}

export const handler = middy(main).use(observability()).use(httpErrors());
