import middy from '@middy/core';
import { initProducerRequestSchema } from '../lib/api/requests';
import { initProducer } from '../lib/producers/init-producer';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const { name } = event.body ? jsonBody(event, initProducerRequestSchema) : { name: undefined };
  return json(200, await initProducer(contextFromEnv(), name));
}

export const handler = middy(main).use(observability()).use(httpErrors());
