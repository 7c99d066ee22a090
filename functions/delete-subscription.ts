import middy from '@middy/core';
import { deleteSubscription } from '../lib/push/subscriptions';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, noContent, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  await deleteSubscription(contextFromEnv(), pathParam(event, 'group'));
  return noContent();
}

export const handler = middy(main).use(observability()).use(httpErrors());
