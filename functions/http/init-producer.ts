import middy from '@middy/core';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { initProducerRequestSchema, noQuerySchema } from '../../lib/protocol/requests';
import { initProducer } from '../../lib/producers/init-producer';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

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
