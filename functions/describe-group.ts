import middy from '@middy/core';
import { describeGroup } from '../lib/groups/describe-group';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  return json(200, await describeGroup(contextFromEnv(), pathParam(event, 'group')));
}

export const handler = middy(main).use(observability()).use(httpErrors());
