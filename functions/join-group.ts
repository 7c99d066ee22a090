import middy from '@middy/core';
import { requireAccess } from '../lib/auth/access-control';
import { callerOf } from './shared/caller';
import { groupNameSchema, joinGroupRequestSchema } from '../lib/api/requests';
import { parseInput } from '../lib/api/validate';
import { joinGroup } from '../lib/groups/membership';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = parseInput(groupNameSchema, pathParam(event, 'group'), 'group');
  const request = jsonBody(event, joinGroupRequestSchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'READ' }, ...request.topics.map((topic) => ({ resourceType: 'TOPIC' as const, resourceName: topic, operation: 'READ' as const })));
  return json(201, await joinGroup(ctx, group, request));
}

export const handler = middy(main).use(observability()).use(httpErrors());
