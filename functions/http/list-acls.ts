import middy from '@middy/core';
import { noQuerySchema } from '../../lib/protocol/requests';
import { requireAccess } from '../../lib/auth/access-control';
import { listAclRules } from '../../lib/auth/acl-store';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { callerOf } from '../middleware/caller';
import { observability } from '../middleware/observability';
import { httpErrors, json, query, type HttpEvent, type HttpResult } from '../middleware/http';

async function main(event: HttpEvent): Promise<HttpResult> {
  const ctx = contextFromEnv();
  const caller = callerOf(event);
  query(event, noQuerySchema);
  await requireAccess(ctx, caller, { resourceType: 'CLUSTER', resourceName: 'cluster', operation: 'DESCRIBE' });
  return json(200, { rules: await listAclRules(ctx) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
