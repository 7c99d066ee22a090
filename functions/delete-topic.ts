import middy from '@middy/core';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { deleteTopic } from '../lib/topics/topic-service';
import { httpErrors, noContent, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  await deleteTopic(contextFromEnv(), pathParam(event, 'topic'));
  return noContent();
}

export const handler = middy(main).use(observability()).use(httpErrors());
