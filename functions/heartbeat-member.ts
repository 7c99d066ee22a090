import middy from '@middy/core';
import { heartbeat } from '../lib/groups/membership';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  return json(200, await heartbeat(contextFromEnv(), pathParam(event, 'group'), pathParam(event, 'member')));
}

export const handler = middy(main).use(observability()).use(httpErrors());
