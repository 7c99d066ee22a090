import middy from '@middy/core';
import * as z from 'zod/mini';
import { requireAccess } from '../lib/auth/access-control';
import { setQuota } from '../lib/auth/quotas';
import { quotaRequestSchema } from '../lib/api/requests';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { callerOf } from './shared/caller';
import { observability } from './shared/observability';
import { httpErrors, json, jsonBody, type HttpEvent, type HttpResult } from './shared/http';

const body = z.extend(quotaRequestSchema, {
  principal: z.string({ error: 'must be a string' }).check(z.minLength(1, { error: 'must not be empty' }), z.maxLength(2048)),
});

async function main(event: HttpEvent): Promise<HttpResult> {
  const ctx = contextFromEnv();
  const request = jsonBody(event, body);
  await requireAccess(ctx, callerOf(event), { resourceType: 'CLUSTER', resourceName: 'cluster', operation: 'ALTER' });
  return json(200, await setQuota(ctx, request));
}

export const handler = middy(main).use(observability()).use(httpErrors());
