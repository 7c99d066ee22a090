import middy from '@middy/core';
import { requireAccess } from '../../lib/auth/access-control';
import { callerOf } from '../middleware/caller';
import { noQuerySchema, resetOffsetsRequestSchema, topicNameOfResetSchema } from '../../lib/protocol/requests';
import { resetGroupOffsets } from '../../lib/groups/group-admin';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, pathParam, query, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const group = pathParam(event, 'group');
  query(event, noQuerySchema);
  const ctx = contextFromEnv();
  // Kafka's rule for setting a group's offsets (OffsetCommit, which kafka-consumer-groups --reset-offsets sends):
  // READ on the group, then READ on the topic. The group first: a caller without it learns nothing from how its body is refused.
  await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation: 'READ' });
  const { topic } = jsonBody(event, topicNameOfResetSchema);
  await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topic, operation: 'READ' });
  const { partitions, to, dryRun } = jsonBody(event, resetOffsetsRequestSchema);
  return json(200, await resetGroupOffsets(ctx, group, { topic, ...(partitions !== undefined && { partitions }), to, dryRun }));
}

export const handler = middy(main).use(observability()).use(httpErrors());
