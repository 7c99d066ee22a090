import middy from '@middy/core';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { offsetsQuerySchema } from '../../lib/protocol/requests';
import { listOffsets, offsetForTime } from '../../lib/log/list-offsets';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, json, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const topic = pathParam(event, 'topic');
  const partition = pathParam(event, 'partition');
  const { timestamp } = query(event, offsetsQuerySchema);
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic, operation: 'DESCRIBE' });
  return json(200, timestamp === undefined ? await listOffsets(ctx, topic, partition) : await offsetForTime(ctx, topic, partition, timestamp));
}

export const handler = middy(main).use(observability()).use(httpErrors());
