import middy from '@middy/core';
import { groupNameSchema } from '../lib/api/requests';
import { parseInput } from '../lib/api/validate';
import { requireAccess } from '../lib/auth/access-control';
import { callerOf } from './shared/caller';
import { groupOffsetsQuerySchema } from '../lib/api/requests';
import { groupPositions } from '../lib/groups/group-offsets';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, pathParam, query, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = parseInput(groupNameSchema, pathParam(event, 'group'), 'group');
  const { topic } = query(event, groupOffsetsQuerySchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'DESCRIBE' });
  const positions = await groupPositions(ctx, group, topic === undefined ? undefined : [topic]);
  return json(200, { ...positions, totalLag: positions.partitions.reduce((sum, p) => sum + p.lag, 0) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
