import middy from '@middy/core';
import { commitOffsetsRequestSchema } from '../lib/api/requests';
import { commitOffsets } from '../lib/groups/group-offsets';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const group = pathParam(event, 'group');
  const { memberId, generation, offsets } = jsonBody(event, commitOffsetsRequestSchema);
  const member = memberId !== undefined && generation !== undefined ? { memberId, generation } : undefined;
  return json(200, { group, committed: await commitOffsets(contextFromEnv(), group, { member, offsets }) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
