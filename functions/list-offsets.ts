import middy from '@middy/core';
import { partitionParamSchema } from '../lib/api/requests';
import { parseInput } from '../lib/api/validate';
import { listOffsets } from '../lib/log/list-offsets';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, pathParam, type HttpEvent, type HttpResult } from './shared/http';

async function main(event: HttpEvent): Promise<HttpResult> {
  const topic = pathParam(event, 'topic');
  const partition = parseInput(partitionParamSchema, pathParam(event, 'partition'), 'partition');
  return json(200, await listOffsets(contextFromEnv(), topic, partition));
}

export const handler = middy(main).use(httpErrors());
