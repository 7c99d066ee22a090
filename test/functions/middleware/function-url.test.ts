import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { matchRoutePath, routeFunctionUrlEvent, type StreamRoute } from '../../../functions/middleware/function-url';
import { SluiceError } from '../../../lib/core/errors';

const handler: StreamRoute['handler'] = async () => ({ statusCode: 200 });
const ROUTES: StreamRoute[] = [
  { path: '/v1/topics/{topic}/partitions/{partition}/records', methods: ['GET'], handler },
  { path: '/ds/{path+}', methods: ['GET', 'POST', 'HEAD'], handler },
];

function event(method: string, rawPath: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: {},
    requestContext: { http: { method, path: rawPath }, routeKey: '$default' } as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: false,
  };
}

describe('matchRoutePath', () => {
  it('matches {name} segments, keeping them URL-encoded as API Gateway passes them', () => {
    assert.deepEqual(matchRoutePath('/v1/topics/{topic}/partitions/{partition}/records', '/v1/topics/a%2Fb/partitions/3/records'), { topic: 'a%2Fb', partition: '3' });
    assert.equal(matchRoutePath('/v1/topics/{topic}/partitions/{partition}/records', '/v1/topics//partitions/3/records'), undefined);
    assert.equal(matchRoutePath('/v1/topics/{topic}/partitions/{partition}/records', '/v1/topics/t/partitions/3/records/x'), undefined);
    assert.equal(matchRoutePath('/v1/topics/{topic}/partitions/{partition}/records', '/v1/topics/t/partitions/3'), undefined);
  });

  it('matches a last {name+} with the rest of the path, at least one segment', () => {
    assert.deepEqual(matchRoutePath('/ds/{path+}', '/ds/a/b/c'), { path: 'a/b/c' });
    assert.deepEqual(matchRoutePath('/ds/{path+}', '/ds/a'), { path: 'a' });
    assert.equal(matchRoutePath('/ds/{path+}', '/ds/'), undefined);
    assert.equal(matchRoutePath('/ds/{path+}', '/ds'), undefined);
  });
});

describe('routeFunctionUrlEvent', () => {
  it('gives the event the route key and path parameters the HTTP API would have given it', () => {
    const routed = routeFunctionUrlEvent(ROUTES, event('GET', '/v1/topics/t/partitions/0/records'));
    assert.equal(routed.route, ROUTES[0]);
    assert.equal(routed.event.routeKey, 'GET /v1/topics/{topic}/partitions/{partition}/records');
    assert.equal(routed.event.requestContext.routeKey, 'GET /v1/topics/{topic}/partitions/{partition}/records');
    assert.deepEqual(routed.event.pathParameters, { topic: 't', partition: '0' });
    assert.deepEqual(routeFunctionUrlEvent(ROUTES, event('POST', '/ds/streams/x')).event.pathParameters, { path: 'streams/x' });
  });

  it('refuses another path with 404 ROUTE_NOT_FOUND and another method with 405 METHOD_NOT_ALLOWED naming the allowed ones', () => {
    assert.throws(() => routeFunctionUrlEvent(ROUTES, event('GET', '/v1/topics')), (error: unknown) => error instanceof SluiceError && error.code === 'ROUTE_NOT_FOUND' && error.status === 404);
    assert.throws(
      () => routeFunctionUrlEvent(ROUTES, event('DELETE', '/v1/topics/t/partitions/0/records')),
      (error: unknown) => error instanceof SluiceError && error.code === 'METHOD_NOT_ALLOWED' && error.status === 405 && JSON.stringify(error.toJSON().allow) === '["GET"]',
    );
  });
});
