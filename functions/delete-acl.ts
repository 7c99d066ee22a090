import middy from '@middy/core';
import { requireAccess } from '../lib/auth/access-control';
import { deleteAclRule } from '../lib/auth/acl-store';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { callerOf } from './shared/caller';
import { observability } from './shared/observability';
import { httpErrors, noContent, pathParam, type HttpEvent, type HttpResult } from './shared/http';

async function main(event: HttpEvent): Promise<HttpResult> {
  const ctx = contextFromEnv();
  await requireAccess(ctx, callerOf(event), { resourceType: 'CLUSTER', resourceName: 'cluster', operation: 'ALTER' });
  await deleteAclRule(ctx, pathParam(event, 'rule'));
  return noContent();
}

export const handler = middy(main).use(observability()).use(httpErrors());
