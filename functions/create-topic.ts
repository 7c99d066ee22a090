import middy from '@middy/core';
import { createTopicRequestSchema } from '../lib/api/requests';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { createTopic } from '../lib/topics/topic-service';
import { httpErrors, json, jsonBody, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const request = jsonBody(event, createTopicRequestSchema);
  return json(201, await createTopic(contextFromEnv(), request));
}

export const handler = middy(main).use(observability()).use(httpErrors());
