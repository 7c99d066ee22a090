import middy from '@middy/core';
import { requireAccess } from '../lib/auth/access-control';
import { callerOf } from './shared/caller';
import { initProducerRequestSchema, noQuerySchema } from '../lib/api/requests';
import { initProducer } from '../lib/producers/init-producer';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, query, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  // Kafka's IdempotentWrite is a cluster permission; here it is WRITE on the cluster. Checked before the body is read.
  await requireAccess(ctx, caller, { resourceType: 'CLUSTER', resourceName: 'cluster', operation: 'WRITE' });
  const { name } = event.body ? jsonBody(event, initProducerRequestSchema) : { name: undefined };
  return json(200, await initProducer(ctx, { name, principal: caller.principal }));
}

export const handler = middy(main).use(observability()).use(httpErrors());
