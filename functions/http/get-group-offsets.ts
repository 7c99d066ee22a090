import middy from '@middy/core';
import { requireAccess, topicVisibility } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { groupOffsetsQuerySchema } from '../../lib/protocol/requests';
import { groupPositions } from '../../lib/groups/group-offsets';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, json, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = pathParam(event, 'group');
  const { topic } = query(event, groupOffsetsQuerySchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'DESCRIBE' });
  // A named topic needs DESCRIBE too, checked before it is looked up: a caller without it
  // gets the same 403 whether the topic exists or not. Unnamed, hidden topics are left out.
  if (topic !== undefined) await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic, operation: 'DESCRIBE' });
  const positions = await groupPositions(ctx, group, topic === undefined ? undefined : [topic], await topicVisibility(ctx, caller));
  return json(200, { ...positions, totalLag: positions.partitions.reduce((sum, p) => sum + p.lag, 0) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
