import middy from '@middy/core';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { listTopics } from '../lib/topics/topic-service';
import { httpErrors, json, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(): Promise<HttpResult> {
  return json(200, { topics: await listTopics(contextFromEnv()) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
