import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { LIMITS } from '../../../lib/protocol/limits';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';
import { handler } from '../../../functions/http/durable-streams';
import { lambdaContext } from '../../../infra/local/lambda-context';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * The Durable Streams route's refusals (functions/http/durable-streams.ts): a create with a
 * body needs WRITE before anything is created, bodies have the API's size limit, and the
 * HTTP API's handler refuses SSE naming where it is served. Bearer tokens, real emulators.
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,erin=t-erin';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

let env: TestPlatform;

async function as(token: string, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer) {
  const response = await fetch(`${env.url}/ds/${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers }, body });
  const text = method === 'HEAD' ? '' : await response.text();
  return { status: response.status, text, headers: response.headers };
}

before(async () => {
  env = await startTestPlatform({ kafkaPort: null });
  const response = await fetch(`${env.url}/v1/acls`, {
    method: 'POST',
    headers: { authorization: 'Bearer t-admin', 'content-type': 'application/json' },
    body: JSON.stringify({ permission: 'ALLOW', resourceType: 'TOPIC', principal: 'erin', patternType: 'PREFIXED', resourceName: 'ds.erin.', operation: 'CREATE' }),
  });
  assert.equal(response.status, 201);
});

after(async () => {
  await env?.stop();
});

describe('the Durable Streams route', () => {
  it('refuses a create with a body to a principal without WRITE, and creates nothing', async () => {
    const refused = await as('t-erin', 'PUT', 'erin/with-body', { 'content-type': 'text/plain' }, 'first');
    assert.equal(refused.status, 403);
    assert.match(refused.text, /WRITE/);
    assert.equal((await as('t-admin', 'HEAD', 'erin/with-body')).status, 404);
    // Without a body CREATE is enough.
    assert.equal((await as('t-erin', 'PUT', 'erin/empty', { 'content-type': 'text/plain' })).status, 201);
  });

  it('refuses a body over the API limit with 413 naming the field and the limit, and appends nothing', async () => {
    assert.equal((await as('t-admin', 'PUT', 'big/s', { 'content-type': 'application/octet-stream' })).status, 201);
    const tooBig = await as('t-admin', 'POST', 'big/s', { 'content-type': 'application/octet-stream' }, Buffer.alloc(LIMITS.requestBodyMaxBytes + 1));
    assert.equal(tooBig.status, 413);
    const error = JSON.parse(tooBig.text).error;
    assert.equal(error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(error.field, 'body');
    assert.equal(error.limit, LIMITS.requestBodyMaxBytes);
    assert.equal((await as('t-admin', 'HEAD', 'big/s')).headers.get('stream-next-offset'), '0000000000000000');
  });

  it('inflates a gzip body as other routes do, and refuses another content coding with 415, appending nothing', async () => {
    assert.equal((await as('t-admin', 'PUT', 'coded/s', { 'content-type': 'application/octet-stream' })).status, 201);
    const zipped = await as('t-admin', 'POST', 'coded/s', { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }, gzipSync(Buffer.from('inflated')));
    assert.equal(zipped.status, 204);
    const refused = await as('t-admin', 'POST', 'coded/s', { 'content-type': 'application/octet-stream', 'content-encoding': 'br' }, 'zz');
    assert.equal(refused.status, 415);
    assert.equal(JSON.parse(refused.text).error.code, 'UNSUPPORTED_CONTENT_ENCODING');
    assert.equal((await as('t-admin', 'GET', 'coded/s?offset=-1')).text, 'inflated');
  });

  it('answers an SSE read on the HTTP API 501, naming the same request at the live-read URL', async () => {
    assert.equal((await as('t-admin', 'PUT', 'sse/s', { 'content-type': 'text/plain' }, 'x')).status, 201);
    process.env.SLUICE_STREAM_URL = 'https://live.example.com/';
    try {
      const event = {
        version: '2.0',
        routeKey: 'ANY /ds/{proxy+}',
        rawPath: '/ds/sse/s',
        rawQueryString: 'offset=-1&live=sse',
        headers: { authorization: 'Bearer t-admin' },
        queryStringParameters: { offset: '-1', live: 'sse' },
        requestContext: { http: { method: 'GET', path: '/ds/sse/s', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, requestId: 'r', routeKey: 'ANY /ds/{proxy+}', stage: '$default', time: '', timeEpoch: 0, accountId: '0', apiId: 'a', domainName: 'd', domainPrefix: 'd' },
        isBase64Encoded: false,
      } as unknown as APIGatewayProxyEventV2;
      const result = (await handler(event, lambdaContext('durable-streams', 29, 'r'))) as APIGatewayProxyStructuredResultV2;
      assert.equal(result.statusCode, 501);
      const body = JSON.parse(Buffer.from(result.body!, result.isBase64Encoded ? 'base64' : 'utf8').toString('utf8'));
      assert.equal(body.error.code, 'STREAMING_NOT_SUPPORTED');
      assert.equal(body.error.streamUrl, 'https://live.example.com/ds/sse/s?offset=-1&live=sse');
      assert.match(body.error.message, /live=long-poll/);
    } finally {
      delete process.env.SLUICE_STREAM_URL;
    }
  });
});
