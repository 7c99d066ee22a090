import middy from '@middy/core';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { noQuerySchema, subscriptionRequestSchema } from '../../lib/protocol/requests';
import { allowedPushTargetFunctions } from '../../lib/push/push-target-policy';
import { publicView, putSubscription } from '../../lib/push/subscriptions';
import { topicExists } from '../../lib/topics/topic-repository';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = pathParam(event, 'group');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  // The group first: a caller without it learns nothing from how its body is refused.
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'ALTER' });
  const request = jsonBody(event, subscriptionRequestSchema);
  const deadLetterTopic = request.deadLetterTopic ?? `${group}.dlq`;
  await requireAccess(
    ctx,
    caller,
    { resourceType: 'TOPIC', resourceName: request.topic, operation: 'READ' },
    { resourceType: 'TOPIC', resourceName: deadLetterTopic, operation: 'WRITE' },
  );
  // A missing dead-letter topic is created by the subscription, which takes CREATE, as creating it directly does.
  if (!(await topicExists(ctx, deadLetterTopic))) await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: deadLetterTopic, operation: 'CREATE' });
  const subscription = await putSubscription(ctx, group, request, { allowedFunctionArns: allowedPushTargetFunctions() });
  // The secret is shown this once, so the target can verify signatures.
  return json(200, { ...publicView(subscription), secret: subscription.secret });
}

export const handler = middy(main).use(observability()).use(httpErrors());
