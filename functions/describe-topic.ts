import middy from '@middy/core';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { describeTopic } from '../lib/topics/topic-service';
import { httpErrors, json, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  return json(200, await describeTopic(contextFromEnv(), pathParam(event, 'topic')));
}

export const handler = middy(main).use(observability()).use(httpErrors());
