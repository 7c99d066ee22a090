import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Forks through the HTTP route (functions/http/durable-streams.ts), with bearer tokens:
 * the ACLs a fork needs (CREATE on its own topic, READ on its source's), and the
 * statuses of a soft-deleted source's path.
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,carol=t-carol,dave=t-dave';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

let env: TestPlatform;

async function as(token: string, method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const response = await fetch(`${env.url}/ds/${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers }, body });
  const text = method === 'HEAD' ? '' : await response.text();
  return { status: response.status, text, headers: response.headers };
}

const acl = async (rule: Record<string, string>) => {
  const response = await fetch(`${env.url}/v1/acls`, { method: 'POST', headers: { authorization: 'Bearer t-admin', 'content-type': 'application/json' }, body: JSON.stringify({ permission: 'ALLOW', resourceType: 'TOPIC', ...rule }) });
  assert.equal(response.status, 201);
};

before(async () => {
  env = await startTestPlatform({ kafkaPort: null });
  await acl({ principal: 'carol', patternType: 'PREFIXED', resourceName: 'ds.acl.', operation: 'CREATE' });
  await acl({ principal: 'dave', resourceName: 'ds.acl-src.s', operation: 'READ' });
});

after(async () => {
  await env?.stop();
});

describe('forks over HTTP', () => {
  it("needs READ on the source's topic and CREATE on the fork's, and a refused fork leaves nothing", async () => {
    assert.equal((await as('t-admin', 'PUT', 'acl-src/s', { 'content-type': 'text/plain' }, 'secret')).status, 201);
    const fork = { 'stream-forked-from': '/acl-src/s' };
    const noRead = await as('t-carol', 'PUT', 'acl/f', fork);
    assert.equal(noRead.status, 403);
    assert.match(noRead.text, /READ/);
    const noCreate = await as('t-dave', 'PUT', 'acl/f', fork);
    assert.equal(noCreate.status, 403);
    assert.match(noCreate.text, /CREATE/);
    assert.equal((await as('t-admin', 'HEAD', 'acl/f')).status, 404);

    await acl({ principal: 'carol', resourceName: 'ds.acl-src.s', operation: 'READ' });
    // The base path may be named too.
    const made = await as('t-carol', 'PUT', 'acl/f', { 'stream-forked-from': '/ds/acl-src/s' });
    assert.equal(made.status, 201);
    assert.equal(made.headers.get('content-type'), 'text/plain');
    assert.equal((await as('t-admin', 'GET', 'acl/f?offset=-1')).text, 'secret');
  });

  it('answers 410 on every method of a soft-deleted source, 409 to re-create or fork it, and 404 once its last fork is gone', async () => {
    assert.equal((await as('t-admin', 'PUT', 'soft/src', { 'content-type': 'text/plain' }, 'data')).status, 201);
    assert.equal((await as('t-admin', 'PUT', 'soft/fork', { 'stream-forked-from': '/soft/src' })).status, 201);
    assert.equal((await as('t-admin', 'PUT', 'soft/fork', { 'stream-forked-from': '/soft/src' })).status, 200, 'idempotent');
    assert.equal((await as('t-admin', 'PUT', 'soft/fork', { 'content-type': 'text/plain' })).status, 409, 'a plain create at a fork');
    assert.equal((await as('t-admin', 'DELETE', 'soft/src')).status, 204);

    for (const method of ['GET', 'HEAD', 'DELETE']) assert.equal((await as('t-admin', method, 'soft/src')).status, 410, method);
    assert.equal((await as('t-admin', 'POST', 'soft/src', { 'content-type': 'text/plain' }, 'x')).status, 410);
    const recreate = await as('t-admin', 'PUT', 'soft/src', { 'content-type': 'text/plain' });
    assert.equal(recreate.status, 409);
    assert.match(recreate.text, /STREAM_EXISTS/);
    const refork = await as('t-admin', 'PUT', 'soft/fork2', { 'stream-forked-from': '/soft/src' });
    assert.equal(refork.status, 409);
    assert.match(refork.text, /FORK_SOURCE_DELETED/);
    assert.equal((await as('t-admin', 'GET', 'soft/fork?offset=-1')).text, 'data');

    assert.equal((await as('t-admin', 'DELETE', 'soft/fork')).status, 204);
    assert.equal((await as('t-admin', 'HEAD', 'soft/src')).status, 404);
    assert.equal((await as('t-admin', 'PUT', 'soft/src', { 'content-type': 'text/plain' })).status, 201, 'the path is free again');
  });

  it('refuses malformed fork headers and fork headers without a source with 400', async () => {
    assert.equal((await as('t-admin', 'PUT', 'bad/src', { 'content-type': 'text/plain' }, 'abc')).status, 201);
    const cases: Record<string, string>[] = [
      { 'stream-fork-offset': '0000000000000000' },
      { 'stream-fork-sub-offset': '0' },
      { 'stream-forked-from': '/bad/src', 'stream-fork-offset': 'junk' },
      { 'stream-forked-from': '/bad/src', 'stream-fork-sub-offset': '01' },
      { 'stream-forked-from': '/bad/src', 'stream-fork-offset': '0000000000000002' },
      { 'stream-forked-from': '/bad/..' },
    ];
    for (const headers of cases) {
      assert.equal((await as('t-admin', 'PUT', 'bad/fork', headers)).status, 400, JSON.stringify(headers));
    }
    assert.equal((await as('t-admin', 'PUT', 'bad/fork', { 'stream-forked-from': '/bad/none' })).status, 404);
  });
});
