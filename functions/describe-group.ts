import middy from '@middy/core';
import { groupNameSchema } from '../lib/api/requests';
import { parseInput } from '../lib/api/validate';
import { requireAccess } from '../lib/auth/access-control';
import { callerOf } from './shared/caller';
import { describeGroup } from '../lib/groups/describe-group';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = parseInput(groupNameSchema, pathParam(event, 'group'), 'group');
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'DESCRIBE' });
  return json(200, await describeGroup(ctx, group));
}

export const handler = middy(main).use(observability()).use(httpErrors());
