import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONSOLE_PROXY_ERROR_CODES, ERROR_CODES, type ErrorCode } from '../../../lib/protocol/error-codes';
import { COMMON_ERRORS, ROUTE_CONTRACTS, routeErrors } from '../../../lib/protocol/route-contract';
import { ROUTES, type RouteName } from '../../../lib/protocol/routes';
import { DS_ERROR_CODES } from '../../../lib/protocol/durable-streams';

const ROUTE_NAMES = Object.keys(ROUTES) as RouteName[];

describe('the route contract', () => {
  it('describes exactly the routes of the route table', () => {
    assert.deepEqual(Object.keys(ROUTE_CONTRACTS).sort(), [...ROUTE_NAMES].sort());
  });

  it('gives every route the errors every route can answer, each code once', () => {
    for (const route of ROUTE_NAMES) {
      const codes = routeErrors(route);
      for (const code of COMMON_ERRORS) assert.ok(codes.includes(code), `${route} lacks ${code}`);
      assert.equal(new Set(codes).size, codes.length, route);
    }
  });

  it('has a route for every code of the error table, but the catch-all route answers', () => {
    // The Durable Streams route answers its own codes (lib/protocol/durable-streams.ts).
    const answered = new Set(ROUTE_NAMES.flatMap(routeErrors));
    const catchAll: ErrorCode[] = ['ROUTE_NOT_FOUND', 'METHOD_NOT_ALLOWED'];
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      if (DS_ERROR_CODES.includes(code) && !COMMON_ERRORS.includes(code)) continue;
      // Answered by `sluice console`'s proxy, in front of the API, not by any route.
      if (CONSOLE_PROXY_ERROR_CODES.includes(code)) continue;
      assert.equal(answered.has(code), !catchAll.includes(code), code);
    }
    for (const code of DS_ERROR_CODES) assert.ok(code in ERROR_CODES, code);
  });

  it('gives a body to the answers that have one and none to a 204', () => {
    for (const route of ROUTE_NAMES) {
      const contract = ROUTE_CONTRACTS[route];
      assert.equal('response' in contract && contract.response !== undefined, contract.status !== 204, route);
    }
  });
});
