import middy from '@middy/core';
import { groupNameSchema } from '../lib/api/requests';
import { parseInput } from '../lib/api/validate';
import { requireAccess } from '../lib/auth/access-control';
import { callerOf } from './shared/caller';
import { commitOffsetsRequestSchema } from '../lib/api/requests';
import { commitOffsets } from '../lib/groups/group-offsets';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = parseInput(groupNameSchema, pathParam(event, 'group'), 'group');
  const { memberId, generation, offsets } = jsonBody(event, commitOffsetsRequestSchema);
  const member = memberId !== undefined && generation !== undefined ? { memberId, generation } : undefined;
  const ctx = contextFromEnv();
  const topics = [...new Set(offsets.map((o) => o.topic))];
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'READ' }, ...topics.map((topic) => ({ resourceType: 'TOPIC' as const, resourceName: topic, operation: 'READ' as const })));
  return json(200, { group, committed: await commitOffsets(ctx, group, { member, offsets }) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
