import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ROUTES, type RouteName } from '../../../lib/protocol/routes';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * The published contract holds: for every route of lib/protocol/routes.ts, real answers
 * of the local platform (a success and at least one error) are valid against
 * docs/openapi.json's schema for that route and status, checked by a JSON Schema 2020-12
 * validator (OpenAPI 3.1's dialect). A status the document does not list for the route,
 * an error code it does not list for that status, or a field it does not define fails.
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,alice=t-alice';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

const OPENAPI = JSON.parse(readFileSync(fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url)), 'utf8'));

// The document's components become the validated schema's $defs, so its refs resolve inside one schema.
const DEFS = JSON.parse(JSON.stringify(OPENAPI.components.schemas).replaceAll('#/components/schemas/', '#/$defs/'));
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

function validatorFor(schema: unknown) {
  const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('#/components/schemas/', '#/$defs/'));
  return ajv.compile({ ...rewritten, $defs: DEFS });
}

function operationOf(route: RouteName): any {
  const { method, path } = ROUTES[route];
  const operation = OPENAPI.paths[path]?.[method.toLowerCase()];
  assert.ok(operation, `docs/openapi.json has no ${method} ${path}`);
  return operation;
}

interface Request {
  params?: Record<string, string | number>;
  query?: Record<string, string | number>;
  body?: unknown;
  /** A bearer token; admin's by default, null for none. */
  token?: string | null;
}

interface Case {
  route: RouteName;
  title: string;
  request: () => Request;
  status: number;
  /** Keeps what later cases need (ids, member ids). */
  then?: (body: any) => void;
}

let env: TestPlatform;
before(async () => {
  env = await startTestPlatform();
});
after(async () => {
  await env?.stop();
});

const state = { memberId: '', generation: 0, ruleId: '' };
const TOPIC = 'contract-orders';

async function send(route: RouteName, request: Request): Promise<{ status: number; text: string }> {
  const { method, path } = ROUTES[route];
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(request.params?.[name] ?? '')));
  const query = new URLSearchParams(Object.entries(request.query ?? {}).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const headers: Record<string, string> = {};
  const token = request.token === undefined ? 't-admin' : request.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${env.url}${filled}${query ? `?${query}` : ''}`, {
    method,
    headers,
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  return { status: response.status, text: await response.text() };
}

const CASES: Case[] = [
  // Topics
  { route: 'create-topic', title: 'creates a topic', request: () => ({ body: { name: TOPIC, partitions: 2 } }), status: 201 },
  { route: 'create-topic', title: 'refuses a taken name', request: () => ({ body: { name: TOPIC } }), status: 409 },
  { route: 'create-topic', title: 'refuses an unknown field', request: () => ({ body: { name: 'x', partitons: 3 } }), status: 400 },
  { route: 'create-topic', title: 'refuses a caller without credentials', request: () => ({ body: { name: 'x' }, token: null }), status: 401 },
  { route: 'create-topic', title: 'creates a topic to delete', request: () => ({ body: { name: 'contract-doomed' } }), status: 201 },
  { route: 'list-topics', title: 'lists topics', request: () => ({}), status: 200 },
  { route: 'list-topics', title: 'refuses an unknown query parameter', request: () => ({ query: { limit: 3 } }), status: 400 },
  { route: 'describe-topic', title: 'describes a topic', request: () => ({ params: { topic: TOPIC } }), status: 200 },
  { route: 'describe-topic', title: 'answers 404 for a missing topic', request: () => ({ params: { topic: 'contract-missing' } }), status: 404 },
  { route: 'describe-topic', title: 'refuses a caller no ACL allows', request: () => ({ params: { topic: TOPIC }, token: 't-alice' }), status: 403 },
  { route: 'create-topic', title: 'creates a topic to administer', request: () => ({ body: { name: 'contract-admin', config: { 'compression.type': 'gzip' } } }), status: 201 },
  {
    route: 'alter-topic-config',
    title: 'sets one config key and removes another',
    request: () => ({ params: { topic: 'contract-admin' }, body: { config: { 'retention.ms': '86400000', 'compression.type': null } } }),
    status: 200,
  },
  { route: 'alter-topic-config', title: 'refuses an unknown config key', request: () => ({ params: { topic: 'contract-admin' }, body: { config: { 'retention.mss': '1' } } }), status: 400 },
  { route: 'alter-topic-config', title: 'answers 404 for a missing topic', request: () => ({ params: { topic: 'contract-missing' }, body: { config: { 'retention.ms': '1' } } }), status: 404 },
  { route: 'alter-topic-config', title: 'refuses a caller no ACL allows', request: () => ({ params: { topic: 'contract-admin' }, body: { config: { 'retention.ms': '1' } }, token: 't-alice' }), status: 403 },
  { route: 'create-partitions', title: 'raises the partition count', request: () => ({ params: { topic: 'contract-admin' }, body: { count: 3 } }), status: 200 },
  { route: 'create-partitions', title: 'refuses the current count', request: () => ({ params: { topic: 'contract-admin' }, body: { count: 3 } }), status: 400 },
  { route: 'create-partitions', title: 'answers 404 for a missing topic', request: () => ({ params: { topic: 'contract-missing' }, body: { count: 2 } }), status: 404 },
  // Records
  {
    route: 'produce-records',
    title: 'produces records',
    request: () => ({ params: { topic: TOPIC }, body: { records: [{ key: 'k', value: 'v', headers: [{ key: 'h', value: 'x' }] }, { value: null, partition: 1 }] } }),
    status: 200,
  },
  { route: 'produce-records', title: 'answers 404 for a missing topic', request: () => ({ params: { topic: 'contract-missing' }, body: { records: [{ value: 'v' }] } }), status: 404 },
  {
    route: 'produce-records',
    title: 'refuses a conditional append past the high watermark',
    request: () => ({ params: { topic: TOPIC }, body: { expectedOffset: 99, records: [{ value: 'v', partition: 0 }] } }),
    status: 409,
  },
  { route: 'fetch-records', title: 'fetches records as UTF-8', request: () => ({ params: { topic: TOPIC, partition: 1 }, query: { offset: 0, encoding: 'utf8' } }), status: 200 },
  { route: 'fetch-records', title: 'fetches records as base64', request: () => ({ params: { topic: TOPIC, partition: 1 } }), status: 200 },
  { route: 'fetch-records', title: 'answers 416 past the high watermark', request: () => ({ params: { topic: TOPIC, partition: 0 }, query: { offset: 1000 } }), status: 416 },
  { route: 'fetch-records', title: 'answers 404 for a missing partition', request: () => ({ params: { topic: TOPIC, partition: 7 } }), status: 404 },
  { route: 'list-offsets', title: "answers a partition's offsets", request: () => ({ params: { topic: TOPIC, partition: 0 } }), status: 200 },
  { route: 'list-offsets', title: 'answers the offset for a time', request: () => ({ params: { topic: TOPIC, partition: 1 }, query: { timestamp: 0 } }), status: 200 },
  { route: 'list-offsets', title: 'answers 404 for a missing partition', request: () => ({ params: { topic: TOPIC, partition: 9 } }), status: 404 },
  { route: 'list-topic-offsets', title: "answers every partition's offsets", request: () => ({ params: { topic: TOPIC } }), status: 200 },
  { route: 'list-topic-offsets', title: 'answers 404 for a missing topic', request: () => ({ params: { topic: 'contract-missing' } }), status: 404 },
  { route: 'list-topic-offsets', title: 'refuses a caller no ACL allows', request: () => ({ params: { topic: TOPIC }, token: 't-alice' }), status: 403 },
  { route: 'trim-partition', title: 'trims nothing at offset 0 and answers the offsets', request: () => ({ params: { topic: TOPIC, partition: 0 }, body: { offset: 0 } }), status: 200 },
  { route: 'trim-partition', title: 'answers 416 past the high watermark', request: () => ({ params: { topic: TOPIC, partition: 0 }, body: { offset: 1000 } }), status: 416 },
  { route: 'trim-partition', title: 'answers 404 for a missing partition', request: () => ({ params: { topic: TOPIC, partition: 9 }, body: { offset: 0 } }), status: 404 },
  { route: 'trim-partition', title: 'refuses an offset below -1', request: () => ({ params: { topic: TOPIC, partition: 0 }, body: { offset: -2 } }), status: 400 },
  { route: 'init-producer', title: 'issues a producer id without a body', request: () => ({}), status: 200 },
  { route: 'init-producer', title: 'issues a named producer id', request: () => ({ body: { name: 'contract-producer' } }), status: 200 },
  { route: 'init-producer', title: 'refuses a bad name', request: () => ({ body: { name: '..' } }), status: 400 },
  // Consumer groups
  {
    route: 'join-group',
    title: 'joins a group',
    request: () => ({ params: { group: 'contract-g' }, body: { topics: [TOPIC], resetPolicy: 'earliest', clientId: 'c' } }),
    status: 201,
    then: (body) => {
      state.memberId = body.memberId;
      state.generation = body.generation;
    },
  },
  { route: 'join-group', title: 'answers 404 for a missing topic', request: () => ({ params: { group: 'contract-g' }, body: { topics: ['contract-missing'] } }), status: 404 },
  { route: 'heartbeat-member', title: 'renews a lease', request: () => ({ params: { group: 'contract-g', member: state.memberId } }), status: 200 },
  { route: 'heartbeat-member', title: 'answers 404 for an unknown member', request: () => ({ params: { group: 'contract-g', member: 'c-nobody' } }), status: 404 },
  {
    route: 'commit-offsets',
    title: 'commits standalone offsets for a group without members',
    request: () => ({ params: { group: 'contract-standalone' }, body: { offsets: [{ topic: TOPIC, partition: 1, offset: 1, metadata: 'm' }] } }),
    status: 200,
  },
  {
    route: 'commit-offsets',
    title: 'refuses a standalone commit while the group has live members',
    request: () => ({ params: { group: 'contract-g' }, body: { offsets: [{ topic: TOPIC, partition: 0, offset: 0 }] } }),
    status: 409,
  },
  {
    route: 'commit-offsets',
    title: 'refuses a member id without a generation',
    request: () => ({ params: { group: 'contract-g' }, body: { memberId: state.memberId, offsets: [{ topic: TOPIC, partition: 0, offset: 0 }] } }),
    status: 400,
  },
  { route: 'get-group-offsets', title: "answers a group's positions", request: () => ({ params: { group: 'contract-standalone' } }), status: 200 },
  { route: 'get-group-offsets', title: 'answers 404 for a missing group', request: () => ({ params: { group: 'contract-nogroup' } }), status: 404 },
  { route: 'list-groups', title: 'lists groups', request: () => ({}), status: 200 },
  { route: 'list-groups', title: 'refuses an unknown token', request: () => ({ token: 't-unknown' }), status: 401 },
  { route: 'describe-group', title: 'describes a group', request: () => ({ params: { group: 'contract-g' } }), status: 200 },
  { route: 'describe-group', title: 'answers 404 for a missing group', request: () => ({ params: { group: 'contract-nogroup' } }), status: 404 },
  {
    route: 'reset-group-offsets',
    title: "resets a group's offsets",
    request: () => ({ params: { group: 'contract-standalone' }, body: { topic: TOPIC, to: { type: 'offset', offset: 1 } } }),
    status: 200,
  },
  {
    route: 'reset-group-offsets',
    title: 'answers a dry run of a reset to a time',
    request: () => ({ params: { group: 'contract-standalone' }, body: { topic: TOPIC, partitions: [1], to: { type: 'timestamp', timestamp: 0 }, dryRun: true } }),
    status: 200,
  },
  {
    route: 'reset-group-offsets',
    title: 'refuses a group with live members',
    request: () => ({ params: { group: 'contract-g' }, body: { topic: TOPIC, to: { type: 'latest' } } }),
    status: 409,
  },
  { route: 'reset-group-offsets', title: 'refuses an unknown target', request: () => ({ params: { group: 'contract-standalone' }, body: { topic: TOPIC, to: { type: 'newest' } } }), status: 400 },
  { route: 'reset-group-offsets', title: 'answers 404 for a missing partition', request: () => ({ params: { group: 'contract-standalone' }, body: { topic: TOPIC, partitions: [5], to: { type: 'latest' } } }), status: 404 },
  { route: 'delete-group-offsets', title: 'refuses a group with live members', request: () => ({ params: { group: 'contract-g', topic: TOPIC } }), status: 409 },
  { route: 'delete-group-offsets', title: "deletes a group's offsets of a topic", request: () => ({ params: { group: 'contract-standalone', topic: TOPIC } }), status: 200 },
  { route: 'delete-group-offsets', title: 'answers 404 for a missing group', request: () => ({ params: { group: 'contract-nogroup', topic: TOPIC } }), status: 404 },
  { route: 'delete-group', title: 'refuses a group with live members', request: () => ({ params: { group: 'contract-g' } }), status: 409 },
  { route: 'leave-group', title: 'leaves a group', request: () => ({ params: { group: 'contract-g', member: state.memberId } }), status: 204 },
  { route: 'leave-group', title: 'answers 404 for a member already gone', request: () => ({ params: { group: 'contract-g', member: state.memberId } }), status: 404 },
  { route: 'delete-group', title: 'deletes a group without live members', request: () => ({ params: { group: 'contract-g' } }), status: 204 },
  { route: 'delete-group', title: 'answers 404 for a group already deleted', request: () => ({ params: { group: 'contract-g' } }), status: 404 },
  // Push subscriptions
  {
    route: 'put-subscription',
    title: 'creates a subscription',
    request: () => ({ params: { group: 'contract-push' }, body: { topic: TOPIC, target: { type: 'https', url: 'http://127.0.0.1:9/hook' }, retryAttempts: 0 } }),
    status: 200,
  },
  {
    route: 'put-subscription',
    title: 'answers 404 for a missing topic',
    request: () => ({ params: { group: 'contract-push2' }, body: { topic: 'contract-missing', target: { type: 'https', url: 'https://example.com/hook' } } }),
    status: 404,
  },
  { route: 'get-subscription', title: 'describes a subscription', request: () => ({ params: { group: 'contract-push' } }), status: 200 },
  { route: 'get-subscription', title: 'answers 404 for a group without one', request: () => ({ params: { group: 'contract-standalone' } }), status: 404 },
  { route: 'delete-subscription', title: 'deletes a subscription', request: () => ({ params: { group: 'contract-push' } }), status: 204 },
  { route: 'delete-subscription', title: 'answers 404 when it is gone', request: () => ({ params: { group: 'contract-push' } }), status: 404 },
  // Access control and quotas
  {
    route: 'create-acl',
    title: 'creates an ACL rule',
    request: () => ({ body: { principal: 'bob', resourceType: 'TOPIC', patternType: 'PREFIXED', resourceName: 'contract-', operation: 'READ', permission: 'ALLOW' } }),
    status: 201,
    then: (body) => {
      state.ruleId = body.ruleId;
    },
  },
  { route: 'create-acl', title: 'refuses an unknown operation', request: () => ({ body: { principal: 'bob', resourceType: 'TOPIC', resourceName: 'x', operation: 'EAT', permission: 'ALLOW' } }), status: 400 },
  { route: 'list-acls', title: 'lists ACL rules', request: () => ({}), status: 200 },
  { route: 'list-acls', title: 'refuses a caller without DESCRIBE on the cluster', request: () => ({ token: 't-alice' }), status: 403 },
  { route: 'delete-acl', title: 'deletes an ACL rule', request: () => ({ params: { rule: state.ruleId } }), status: 204 },
  { route: 'delete-acl', title: 'answers 404 when it is gone', request: () => ({ params: { rule: state.ruleId } }), status: 404 },
  { route: 'set-quota', title: 'sets a quota', request: () => ({ body: { principal: 'bob', produceBytesPerSecond: 1048576 } }), status: 200 },
  { route: 'set-quota', title: 'refuses a rate below 1', request: () => ({ body: { principal: 'bob', fetchBytesPerSecond: 0 } }), status: 400 },
  { route: 'list-quotas', title: 'lists quotas', request: () => ({}), status: 200 },
  { route: 'list-quotas', title: 'refuses a caller without DESCRIBE on the cluster', request: () => ({ token: 't-alice' }), status: 403 },
  { route: 'delete-topic', title: 'deletes a topic', request: () => ({ params: { topic: 'contract-doomed' } }), status: 204 },
  { route: 'delete-topic', title: 'answers 404 when it is gone', request: () => ({ params: { topic: 'contract-doomed' } }), status: 404 },
];

describe('the contract (docs/openapi.json) against the local platform', () => {
  it('has a success case and an error case for every route of lib/protocol/routes.ts', () => {
    for (const route of Object.keys(ROUTES) as RouteName[]) {
      const statuses = CASES.filter((c) => c.route === route).map((c) => c.status);
      assert.ok(
        statuses.some((s) => s < 300),
        `${route} has no success case`,
      );
      assert.ok(
        statuses.some((s) => s >= 400),
        `${route} has no error case`,
      );
    }
  });

  for (const testCase of CASES) {
    const { method, path } = ROUTES[testCase.route];
    it(`${method} ${path} ${testCase.title}: ${testCase.status}, as documented`, async () => {
      const operation = operationOf(testCase.route);
      const request = testCase.request();
      if (testCase.status < 300 && request.body !== undefined) {
        const validRequest = validatorFor(operation.requestBody.content['application/json'].schema);
        assert.ok(validRequest(request.body), `the request is not valid against the document: ${ajv.errorsText(validRequest.errors)}`);
      }
      const answer = await send(testCase.route, request);
      assert.equal(answer.status, testCase.status, answer.text);
      const documented = operation.responses[String(answer.status)];
      assert.ok(documented, `docs/openapi.json lists no ${answer.status} for ${method} ${path}`);
      const schema = documented.content?.['application/json']?.schema;
      if (!schema) {
        assert.equal(answer.text, '', 'an answer documented without content has a body');
        return;
      }
      const body = JSON.parse(answer.text);
      const valid = validatorFor(schema);
      assert.ok(valid(body), `${answer.text}\n does not match docs/openapi.json: ${ajv.errorsText(valid.errors)}`);
      testCase.then?.(body);
    });
  }

  it('fails an answer that strays from the document (the validator bites)', () => {
    const topic = validatorFor(operationOf('describe-topic').responses['200'].content['application/json'].schema);
    const good = { name: 't', topicId: 'i', partitions: 1, config: {}, createdAt: 1 };
    assert.ok(topic(good), ajv.errorsText(topic.errors));
    assert.equal(topic({ ...good, extra: true }), false, 'a field the contract does not define');
    assert.equal(topic({ ...good, partitionOffsets: [] }), false, 'describe answers no offsets: they are list-topic-offsets');
    assert.equal(topic({ ...good, partitions: '1' }), false, 'a field of the wrong type');
    const notFound = validatorFor(operationOf('describe-topic').responses['404'].content['application/json'].schema);
    assert.ok(notFound({ error: { code: 'TOPIC_NOT_FOUND', message: 'm', retriable: false, topic: 't' } }), ajv.errorsText(notFound.errors));
    assert.equal(notFound({ error: { code: 'GROUP_NOT_FOUND', message: 'm', retriable: false } }), false, 'an error code the route does not answer');
  });
});
