import middy from '@middy/core';
import { incomingRecords } from '../lib/api/record-encoding';
import { produceRequestSchema } from '../lib/api/requests';
import { produce } from '../lib/log/produce';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const topic = pathParam(event, 'topic');
  const request = jsonBody(event, produceRequestSchema);
  const result = await produce(contextFromEnv(), topic, incomingRecords(request), { producer: request.producer, expectedOffset: request.expectedOffset });
  return json(200, result);
}

export const handler = middy(main).use(observability()).use(httpErrors());
