import middy from '@middy/core';
import { groupNameSchema, subscriptionRequestSchema } from '../lib/api/requests';
import { parseInput } from '../lib/api/validate';
import { publicView, putSubscription } from '../lib/push/subscriptions';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const group = parseInput(groupNameSchema, pathParam(event, 'group'), 'group');
  const subscription = await putSubscription(contextFromEnv(), group, jsonBody(event, subscriptionRequestSchema));
  // The secret is shown this once, so the target can verify signatures.
  return json(200, { ...publicView(subscription), secret: subscription.secret });
}

export const handler = middy(main).use(observability()).use(httpErrors());
