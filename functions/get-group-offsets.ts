import middy from '@middy/core';
import { groupOffsetsQuerySchema } from '../lib/api/requests';
import { groupPositions } from '../lib/groups/group-offsets';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, pathParam, query, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const { topic } = query(event, groupOffsetsQuerySchema);
  const positions = await groupPositions(contextFromEnv(), pathParam(event, 'group'), topic === undefined ? undefined : [topic]);
  return json(200, { ...positions, totalLag: positions.partitions.reduce((sum, p) => sum + p.lag, 0) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
