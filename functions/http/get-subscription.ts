import middy from '@middy/core';
import { noQuerySchema } from '../../lib/protocol/requests';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { groupPositions } from '../../lib/groups/group-offsets';
import { deliveryStatuses, deliverySummary, getSubscription, publicView } from '../../lib/push/subscriptions';
import { NO_DELIVERY_FAILURES } from '../../lib/store/subscription-items';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, json, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = pathParam(event, 'group');
  // Authorized before anything else is read: a caller without DESCRIBE learns nothing, not even whether the group has a subscription.
  const ctx = contextFromEnv();
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'DESCRIBE' });
  query(event, noQuerySchema);
  const subscription = await getSubscription(ctx, group);
  // The answer shows the topic, its positions and its high watermarks: that needs DESCRIBE on the topic too.
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: subscription.topic, operation: 'DESCRIBE' });
  const { partitions, resetPolicy } = await groupPositions(ctx, group, [subscription.topic]);
  const statuses = await deliveryStatuses(
    ctx,
    subscription,
    partitions.map((p) => p.partition),
  );
  return json(200, {
    ...publicView(subscription),
    resetPolicy,
    partitions: partitions.map((p) => ({ ...p, ...(statuses.get(p.partition) ?? NO_DELIVERY_FAILURES) })),
    totalLag: partitions.reduce((sum, p) => sum + p.lag, 0),
    delivery: deliverySummary(statuses),
  });
}

export const handler = middy(main).use(observability()).use(httpErrors());
