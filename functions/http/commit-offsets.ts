import middy from '@middy/core';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { commitOffsetsRequestSchema, noQuerySchema } from '../../lib/protocol/requests';
import { commitOffsets } from '../../lib/groups/group-offsets';
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
  const { memberId, generation, offsets } = jsonBody(event, commitOffsetsRequestSchema);
  const member = memberId !== undefined && generation !== undefined ? { memberId, generation } : undefined;
  const topics = [...new Set(offsets.map((o) => o.topic))];
  await requireAccess(ctx, caller, ...topics.map((topic) => ({ resourceType: 'TOPIC' as const, resourceName: topic, operation: 'READ' as const })));
  return json(200, { group, committed: await commitOffsets(ctx, group, { member, offsets }) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
