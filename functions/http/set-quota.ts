import middy from '@middy/core';
import { requireAccess } from '../../lib/auth/access-control';
import { setQuota } from '../../lib/auth/quotas';
import { noQuerySchema, quotaRequestSchema } from '../../lib/protocol/requests';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { callerOf } from '../middleware/caller';
import { observability } from '../middleware/observability';
import { httpErrors, json, jsonBody, query, type HttpEvent, type HttpResult } from '../middleware/http';

async function main(event: HttpEvent): Promise<HttpResult> {
  const ctx = contextFromEnv();
  const caller = callerOf(event);
  query(event, noQuerySchema);
  await requireAccess(ctx, caller, { resourceType: 'CLUSTER', resourceName: 'cluster', operation: 'ALTER' });
  const request = jsonBody(event, quotaRequestSchema);
  return json(200, await setQuota(ctx, request));
}

export const handler = middy(main).use(observability()).use(httpErrors());
