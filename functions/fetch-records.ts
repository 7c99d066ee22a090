import middy from '@middy/core';
import { recordView } from '../lib/api/record-encoding';
import { fetchQuerySchema, partitionParamSchema } from '../lib/api/requests';
import { parseInput } from '../lib/api/validate';
import { fetchRecords } from '../lib/log/fetch-records';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, pathParam, query, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const topic = pathParam(event, 'topic');
  const partition = parseInput(partitionParamSchema, pathParam(event, 'partition'), 'partition');
  const { encoding, ...limits } = query(event, fetchQuerySchema);
  const result = await fetchRecords(contextFromEnv(), { topic, partition, ...limits });
  return json(200, { ...result, encoding, records: result.records.map((r) => recordView(r, encoding)) });
}

export const handler = middy(main).use(observability()).use(httpErrors());
