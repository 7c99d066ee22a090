import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromApiGatewayResult, toApiGatewayEvent } from '../../../infra/local/api-gateway-event';
import { RouteTable } from '../../../infra/local/route-table';

const request = (overrides: Partial<Parameters<typeof toApiGatewayEvent>[0]> = {}) => ({
  method: 'POST',
  url: '/v1/topics/t/records?a=1&a=2&b=x%20y',
  headers: { host: 'localhost:8780', 'content-type': 'application/json', cookie: 'c1=v1; c2=v2', 'x-multi': ['p', 'q'] },
  body: Buffer.from('{"records":[]}'),
  sourceIp: '127.0.0.1',
  ...overrides,
});

describe('toApiGatewayEvent', () => {
  const event = toApiGatewayEvent(request(), { routeKey: 'POST /v1/topics/{topic}/records', pathParameters: { topic: 't' } }, 'req-1', Date.UTC(2026, 10, 22, 1, 2, 3));

  it('carries the route key, raw path and raw query string as HTTP API payload 2.0 does', () => {
    assert.equal(event.version, '2.0');
    assert.equal(event.routeKey, 'POST /v1/topics/{topic}/records');
    assert.equal(event.rawPath, '/v1/topics/t/records');
    assert.equal(event.rawQueryString, 'a=1&a=2&b=x%20y');
    assert.deepEqual(event.pathParameters, { topic: 't' });
  });

  it('joins repeated query parameters and header values with commas', () => {
    assert.deepEqual(event.queryStringParameters, { a: '1,2', b: 'x y' });
    assert.equal(event.headers['x-multi'], 'p,q');
  });

  it('moves cookies out of the headers into the cookies list', () => {
    assert.deepEqual(event.cookies, ['c1=v1', 'c2=v2']);
    assert.equal(event.headers.cookie, undefined);
  });

  it('passes a JSON body as text and fills the request context', () => {
    assert.equal(event.isBase64Encoded, false);
    assert.equal(event.body, '{"records":[]}');
    assert.equal(event.requestContext.http.method, 'POST');
    assert.equal(event.requestContext.requestId, 'req-1');
    assert.equal(event.requestContext.time, '22/Nov/2026:01:02:03 +0000');
    assert.equal(event.requestContext.stage, '$default');
  });

  it('base64-encodes a binary body', () => {
    const binary = toApiGatewayEvent(
      request({ headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 255]) }),
      { routeKey: 'POST /x' },
      'r',
      0,
    );
    assert.equal(binary.isBase64Encoded, true);
    assert.equal(binary.body, 'AP8=');
  });
});

describe('fromApiGatewayResult', () => {
  it('maps status, headers and a base64 body back exactly', () => {
    const response = fromApiGatewayResult({ statusCode: 201, headers: { 'X-Thing': 'v' }, body: 'AP8=', isBase64Encoded: true, cookies: ['a=b'] });
    assert.equal(response.statusCode, 201);
    assert.equal(response.headers['x-thing'], 'v');
    assert.deepEqual(response.headers['set-cookie'], ['a=b']);
    assert.deepEqual([...response.body], [0, 255]);
  });

  it('treats a bare object as a 200 JSON response, as API Gateway does', () => {
    const response = fromApiGatewayResult({ hello: 'world' } as never);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/json');
    assert.equal(response.body.toString(), '{"hello":"world"}');
  });
});

describe('RouteTable', () => {
  const routes = new RouteTable<string>();
  routes.add({ method: 'GET', path: '/v1/topics/{topic}' }, 'describe');
  routes.add({ method: 'GET', path: '/v1/topics/{topic}/partitions/{partition}/records' }, 'fetch');

  it('extracts path parameters', () => {
    const match = routes.match('GET', '/v1/topics/orders/partitions/3/records');
    assert.ok(match);
    assert.equal(match.target, 'fetch');
    assert.deepEqual(match.route.pathParameters, { topic: 'orders', partition: '3' });
  });

  it('finds no route for another method or an unknown path', () => {
    assert.equal(routes.match('DELETE', '/v1/topics/orders'), undefined);
    assert.equal(routes.match('GET', '/v1/nothing'), undefined);
  });

  it('sends a request no route matches to the $default route, as API Gateway does', () => {
    const withDefault = new RouteTable<string>();
    withDefault.add({ method: 'GET', path: '/v1/topics/{topic}' }, 'describe');
    withDefault.setDefault('fallback');
    for (const [method, path] of [['DELETE', '/v1/topics/orders'], ['GET', '/v1/nothing'], ['GET', '/v1/topics/']]) {
      const match = withDefault.match(method!, path!);
      assert.equal(match?.target, 'fallback', `${method} ${path}`);
      assert.equal(match?.route.routeKey, '$default');
      assert.equal(match?.route.pathParameters, undefined);
    }
  });
});
