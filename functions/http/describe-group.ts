import middy from '@middy/core';
import { noQuerySchema } from '../../lib/protocol/requests';
import { requireAccess, topicVisibility } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { describeGroup } from '../../lib/groups/describe-group';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, json, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = pathParam(event, 'group');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'DESCRIBE' });
  return json(200, await describeGroup(ctx, group, await topicVisibility(ctx, caller)));
}

export const handler = middy(main).use(observability()).use(httpErrors());
