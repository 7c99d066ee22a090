/**
 * docs/openapi.json (OpenAPI 3.1), generated from the wire contract alone: the route
 * table (lib/protocol/routes.ts), each route's query, body, success answer and error codes
 * (lib/protocol/route-contract.ts), the path parameter rules (PATH_PARAMETERS) and the
 * error table. Requests are described by the input side of their zod schemas (what a
 * caller may send, defaults not yet applied), answers by the output side.
 */
import { toJSONSchema } from 'zod/v4/core';
import type * as z from 'zod/mini';
import { ERROR_CODES, type ErrorCode } from '../../lib/protocol/error-codes';
import { ROUTE_CONTRACTS, routeErrors, type RouteContract } from '../../lib/protocol/route-contract';
import { lastEventIdSchema, PATH_PARAMETERS, type PathParameter } from '../../lib/protocol/requests';
import { EVENT_STREAM_TYPE } from '../../lib/protocol/live';
import { RECORD_BATCHES_HEADERS, RECORD_BATCHES_TYPE } from '../../lib/protocol/record-batches';
import * as responses from '../../lib/protocol/responses';
import { ROUTES, type RouteName } from '../../lib/protocol/routes';

type JsonSchema = Record<string, unknown>;

const HTTP_STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported content encoding',
  416: 'Offset out of range',
  422: 'Undecodable record',
  429: 'Quota exceeded',
  500: 'Internal error',
  501: 'Not implemented',
  503: 'Service busy',
};

function jsonSchema(schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** Component names of the answer schemas: the exported name of each in lib/protocol/responses.ts, less `Schema`, capitalised. */
function componentNames(): Map<unknown, string> {
  const names = new Map<unknown, string>();
  for (const [exported, schema] of Object.entries(responses)) {
    const name = exported.replace(/Schema$/, '');
    names.set(schema, name[0]!.toUpperCase() + name.slice(1));
  }
  return names;
}

const camel = (route: string) => route.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
const tagOf = (path: string) => path.split('/')[2]!;

function parameters(path: string, contract: RouteContract): JsonSchema[] {
  const inPath = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    if (!Object.hasOwn(PATH_PARAMETERS, name!)) throw new Error(`${path}: no rule for path parameter {${name}} in PATH_PARAMETERS`);
    return { name, in: 'path', required: true, schema: jsonSchema(PATH_PARAMETERS[name as PathParameter], 'input') };
  });
  const query = jsonSchema(contract.query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  const inQuery = Object.entries(query.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: query.required?.includes(name) ?? false, schema }));
  const inHeader = contract.eventStream
    ? [{ name: 'Last-Event-ID', in: 'header', required: false, description: 'Live reads only: resume after the event with this id (a nextOffset); takes the place of `offset`', schema: jsonSchema(lastEventIdSchema, 'input') }]
    : [];
  return [...inPath, ...inQuery, ...inHeader];
}

function errorResponses(route: RouteName): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of routeErrors(route)) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const answers: Record<string, JsonSchema> = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const codes = byStatus.get(status)!.sort();
    answers[String(status)] = {
      description: `${HTTP_STATUS_TEXT[status] ?? 'Error'}: ${codes.join(', ')}`,
      content: {
        'application/json': {
          schema: {
            allOf: [{ $ref: '#/components/schemas/ErrorBody' }, { properties: { error: { properties: { code: { enum: codes } } } } }],
          },
        },
      },
    };
  }
  return answers;
}

/** The OpenAPI document, as an object. */
export function openApiDocument(): JsonSchema {
  const names = componentNames();
  const used = new Map<string, JsonSchema>([['ErrorBody', jsonSchema(responses.errorBodySchema, 'output')]]);
  const ref = (schema: z.ZodMiniType) => {
    const name = names.get(schema);
    if (!name) throw new Error('an answer schema not exported from lib/protocol/responses.ts');
    if (!used.has(name)) used.set(name, jsonSchema(schema, 'output'));
    return { $ref: `#/components/schemas/${name}` };
  };

  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [route, spec] of Object.entries(ROUTES) as [RouteName, (typeof ROUTES)[RouteName]][]) {
    const contract: RouteContract = ROUTE_CONTRACTS[route];
    const success: JsonSchema = contract.response
      ? {
          description: contract.summary,
          content: {
            'application/json': { schema: ref(contract.response) },
            ...(contract.eventStream && { [EVENT_STREAM_TYPE]: { schema: { type: 'string', description: 'server-sent events; see the operation description' } } }),
            ...(contract.recordBatches && { [RECORD_BATCHES_TYPE]: { schema: { type: 'string', format: 'binary', description: 'stored record batches; see the operation description' } } }),
          },
          ...(contract.recordBatches && {
            headers: Object.fromEntries(
              Object.entries(RECORD_BATCHES_HEADERS).map(([field, name]) => [
                name,
                { description: `A batches answer's ${field}`, schema: field === 'closed' ? { type: 'string', enum: ['true'] } : { type: 'integer', minimum: 0 } },
              ]),
            ),
          }),
        }
      : { description: `${contract.summary}: done, no content` };
    const operation: JsonSchema = {
      operationId: camel(route),
      summary: contract.summary,
      ...((contract.eventStream || contract.recordBatches) && { description: [contract.eventStream, contract.recordBatches].filter(Boolean).join('\n\n') }),
      tags: [tagOf(spec.path)],
      parameters: parameters(spec.path, contract),
      ...(contract.body && {
        requestBody: {
          // init-producer's body is optional: without one, a new id.
          required: route !== 'init-producer',
          content: { 'application/json': { schema: jsonSchema(contract.body, 'input') } },
        },
      }),
      responses: { [String(contract.status)]: success, ...errorResponses(route) },
    };
    if ((operation.parameters as unknown[]).length === 0) delete operation.parameters;
    (paths[spec.path] ??= {})[spec.method.toLowerCase()] = operation;
  }

  const tags = [...new Set(Object.values(ROUTES).map((r) => tagOf(r.path)))].map((name) => ({ name, description: `The ${name} routes (docs/http-api.md)` }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sluice HTTP API',
      version: 'v1',
      description:
        'A serverless, Kafka-like event log on S3, DynamoDB and Lambda. Generated from lib/protocol by `npm run docs`; docs/http-api.md explains each route. Times are milliseconds since the Unix epoch.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: "The stack's HTTP API (the local platform, npm start, serves the same routes on port 8780)",
        variables: { apiId: { default: 'abcdef1234', description: 'The API Gateway id from the stack outputs' }, region: { default: 'us-east-1' } },
      },
    ],
    security: [{ sigv4: [] }, { jwt: [] }, { bearer: [] }],
    tags,
    paths,
    components: {
      schemas: Object.fromEntries([...used].sort(([a], [b]) => (a < b ? -1 : 1))),
      securitySchemes: {
        sigv4: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'AWS SigV4 (service execute-api), when deployed with IAM auth' },
        jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT, when deployed with JWT auth' },
        bearer: { type: 'http', scheme: 'bearer', description: 'A local token (npm start with tokens); none when auth is off' },
      },
    },
  };
}

/** docs/openapi.json's text. */
export function openApiJson(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
