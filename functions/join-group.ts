import middy from '@middy/core';
import { groupNameSchema, joinGroupRequestSchema } from '../lib/api/requests';
import { parseInput } from '../lib/api/validate';
import { joinGroup } from '../lib/groups/membership';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { httpErrors, json, jsonBody, pathParam, type HttpEvent, type HttpResult } from './shared/http';
import { observability } from './shared/observability';

async function main(event: HttpEvent): Promise<HttpResult> {
  const group = parseInput(groupNameSchema, pathParam(event, 'group'), 'group');
  return json(201, await joinGroup(contextFromEnv(), group, jsonBody(event, joinGroupRequestSchema)));
}

export const handler = middy(main).use(observability()).use(httpErrors());
