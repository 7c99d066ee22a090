import middy from '@middy/core';
import { noQuerySchema } from '../../lib/protocol/requests';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { deleteGroupOffsets } from '../../lib/groups/group-admin';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, json, noBody, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = pathParam(event, 'group');
  const topic = pathParam(event, 'topic');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  // Kafka's OffsetDelete: DELETE on the group, then READ on the topic.
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'DELETE' }, { resourceType: 'TOPIC', resourceName: topic, operation: 'READ' });
  noBody(event);
  return json(200, await deleteGroupOffsets(ctx, group, topic));
}

export const handler = middy(main).use(observability()).use(httpErrors());
