import middy from '@middy/core';
import { leaveGroup } from '../lib/groups/membership';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, noContent, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  await leaveGroup(contextFromEnv(), pathParam(event, 'group'), pathParam(event, 'member'));
  return noContent();
}

export const handler = middy(main).use(observability()).use(httpErrors());
