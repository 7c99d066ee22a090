import middy from '@middy/core';
import { groupPositions } from '../lib/groups/group-offsets';
import { getSubscription, publicView } from '../lib/push/subscriptions';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const ctx = contextFromEnv();
  const group = pathParam(event, 'group');
  const subscription = await getSubscription(ctx, group);
  const { partitions } = await groupPositions(ctx, group, [subscription.topic]);
  return json(200, { ...publicView(subscription), partitions, totalLag: partitions.reduce((sum, p) => sum + p.lag, 0) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
