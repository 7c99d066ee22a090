import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { StreamingHttpResult } from '../../../functions/middleware/http';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, CORS_MAX_AGE_SECONDS } from '../../../lib/protocol/cors';
import { startHttpServer, type RouteTarget } from '../../../infra/local/http-server';
import { RouteTable } from '../../../infra/local/route-table';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.com';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Handlers that count their calls: a preflight must reach none of them. */
function routes(calls: string[]): RouteTable<RouteTarget> {
  const table = new RouteTable<RouteTarget>();
  const target = (name: string, handler: RouteTarget['handler'], stream?: RouteTarget['stream']): RouteTarget => ({ functionName: name, timeoutSeconds: 3, handler, ...(stream ? { stream } : {}) });
  table.add(
    { method: 'GET', path: '/v1/topics' },
    target('list-topics', async () => {
      calls.push('list-topics');
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"topics":[]}' };
    }),
  );
  table.add(
    { method: 'POST', path: '/v1/topics' },
    target('create-topic', async () => {
      calls.push('create-topic');
      throw new Error('a bug');
    }),
  );
  table.add(
    { method: 'GET', path: '/v1/topics/{topic}/partitions/{partition}/records' },
    target(
      'fetch-records',
      async () => ({ statusCode: 501, body: '' }),
      async (): Promise<StreamingHttpResult> => {
        calls.push('fetch-records (stream)');
        return { statusCode: 200, headers: { 'content-type': 'text/event-stream' }, stream: async (write) => write('data: {}\n\n') };
      },
    ),
  );
  return table;
}

function assertSecured(answer: Answer): void {
  assert.equal(answer.headers['x-content-type-options'], 'nosniff');
  assert.equal(answer.headers['cross-origin-resource-policy'], 'cross-origin');
}

describe('the local HTTP server for browsers, with allowed origins', () => {
  const calls: string[] = [];
  let server: Server;
  let port: number;

  before(async () => {
    server = await startHttpServer(routes(calls), 0, '127.0.0.1', () => undefined, undefined, undefined, [APP]);
    port = (server.address() as { port: number }).port;
  });
  after(() => new Promise<void>((done) => server.close(() => done())));

  it('answers a preflight from an allowed origin itself, 204 with the rules, before any route or authorizer', async () => {
    calls.length = 0;
    for (const path of ['/v1/topics', '/no/such/route']) {
      const answer = await send(port, 'OPTIONS', path, { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' });
      assert.equal(answer.status, 204, path);
      assert.equal(answer.body, '');
      assert.equal(answer.headers['access-control-allow-origin'], APP);
      assert.equal(answer.headers['access-control-allow-methods'], 'GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS');
      assert.equal(answer.headers['access-control-allow-headers'], CORS_ALLOWED_HEADERS.join(','));
      assert.equal(answer.headers['access-control-max-age'], String(CORS_MAX_AGE_SECONDS));
      assert.equal(answer.headers.vary, 'origin');
      // Bearer tokens, not cookies: no credentials mode to allow.
      assert.equal(answer.headers['access-control-allow-credentials'], undefined);
      assertSecured(answer);
    }
    assert.deepEqual(calls, []);
  });

  it('answers a preflight from another origin without allowing it, still before any route', async () => {
    calls.length = 0;
    const answer = await send(port, 'OPTIONS', '/v1/topics', { origin: EVIL, 'access-control-request-method': 'POST' });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers['access-control-allow-origin'], undefined);
    assert.equal(answer.headers['access-control-allow-methods'], undefined);
    assert.deepEqual(calls, []);
  });

  it('adds the origin, the exposed headers and Vary to an answer for an allowed origin', async () => {
    const answer = await send(port, 'GET', '/v1/topics', { origin: APP });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['access-control-allow-origin'], APP);
    assert.equal(answer.headers['access-control-expose-headers'], CORS_EXPOSED_HEADERS.join(','));
    assert.equal(answer.headers.vary, 'origin');
    assert.equal(answer.headers['content-type'], 'application/json');
    assertSecured(answer);
  });

  it('adds no origin for another origin or a request without one, but the security headers always', async () => {
    for (const headers of [{ origin: EVIL }, {}] as Record<string, string>[]) {
      const answer = await send(port, 'GET', '/v1/topics', headers);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['access-control-allow-origin'], undefined);
      assert.equal(answer.headers['access-control-expose-headers'], undefined);
      assert.equal(answer.headers.vary, 'origin');
      assertSecured(answer);
    }
  });

  it('adds them to error answers, its own 404 and a streamed answer too', async () => {
    const failed = await send(port, 'POST', '/v1/topics', { origin: APP });
    assert.equal(failed.status, 500);
    const missing = await send(port, 'GET', '/no/such/route', { origin: APP });
    assert.equal(missing.status, 404);
    const streamed = await send(port, 'GET', '/v1/topics/t/partitions/0/records?live=sse', { origin: APP });
    assert.equal(streamed.status, 200);
    assert.equal(streamed.body, 'data: {}\n\n');
    for (const answer of [failed, missing, streamed]) {
      assert.equal(answer.headers['access-control-allow-origin'], APP);
      assertSecured(answer);
    }
  });
});

describe('the local HTTP server without allowed origins', () => {
  const calls: string[] = [];
  let server: Server;
  let port: number;

  before(async () => {
    server = await startHttpServer(routes(calls), 0, '127.0.0.1', () => undefined);
    port = (server.address() as { port: number }).port;
  });
  after(() => new Promise<void>((done) => server.close(() => done())));

  it('leaves a preflight to the routes, as an API without CORS does, and allows no origin', async () => {
    const preflight = await send(port, 'OPTIONS', '/v1/topics', { origin: APP, 'access-control-request-method': 'GET' });
    assert.equal(preflight.status, 404);
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    const answer = await send(port, 'GET', '/v1/topics', { origin: APP });
    assert.equal(answer.headers['access-control-allow-origin'], undefined);
    assert.equal(answer.headers.vary, undefined);
    assertSecured(preflight);
    assertSecured(answer);
  });
});
