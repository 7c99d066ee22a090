import middy from '@middy/core';
import { listGroups } from '../lib/groups/describe-group';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(): Promise<HttpResult> {
  return json(200, { groups: await listGroups(contextFromEnv()) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
