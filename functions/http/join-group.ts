import middy from '@middy/core';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { joinGroupRequestSchema, noQuerySchema } from '../../lib/protocol/requests';
import { joinGroup } from '../../lib/groups/membership';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = pathParam(event, 'group');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  // The group first: a caller without it learns nothing from how its body is refused.
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'READ' });
  const request = jsonBody(event, joinGroupRequestSchema);
  await requireAccess(ctx, caller, ...request.topics.map((topic) => ({ resourceType: 'TOPIC' as const, resourceName: topic, operation: 'READ' as const })));
  return json(201, await joinGroup(ctx, group, request));
}

export const handler = middy(main).use(observability()).use(httpErrors());
