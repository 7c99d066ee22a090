import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpEvent, HttpResult } from '../../../functions/middleware/http';
import { lambdaContext } from '../../../infra/local/lambda-context';

/**
 * The `$default` route's function as it serves the deployed preflight route
 * (`OPTIONS /{proxy+}`, no authorizer, added only with CORS on): a preflight gets an empty
 * 204 without credentials, anything else there is authenticated like every route.
 */
process.env.SLUICE_AUTH_MODE = 'iam';
const { handler } = await import('../../../functions/http/route-not-found');

function event(routeKey: string, method: string, headers: Record<string, string>): HttpEvent {
  return { routeKey, rawPath: '/v1/topics', headers, requestContext: { http: { method, path: '/v1/topics' }, requestId: 'r' } } as unknown as HttpEvent;
}

async function answer(routeKey: string, method: string, headers: Record<string, string>): Promise<HttpResult> {
  return (await handler(event(routeKey, method, headers), lambdaContext('route-not-found', 3, 'r'))) as HttpResult;
}

describe('route-not-found on the preflight route', () => {
  const preflight = { origin: 'https://app.example.com', 'access-control-request-method': 'POST' };

  it('answers a preflight 204, empty, with the security headers, without credentials', async () => {
    for (const routeKey of ['OPTIONS /{proxy+}', 'OPTIONS /ds/{path+}']) {
      const result = await answer(routeKey, 'OPTIONS', preflight);
      assert.equal(result.statusCode, 204, routeKey);
      assert.equal(result.body, undefined);
      assert.equal(result.headers?.['x-content-type-options'], 'nosniff');
    }
  });

  it('authenticates any other request sent there, and a preflight on $default (where the authorizer ran)', async () => {
    assert.equal((await answer('OPTIONS /{proxy+}', 'OPTIONS', { origin: 'https://app.example.com' })).statusCode, 401);
    assert.equal((await answer('$default', 'OPTIONS', preflight)).statusCode, 401);
  });
});
