import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Authentication, ACLs and quotas through the local HTTP layer, with static bearer
 * tokens (the local stand-in for IAM or JWT principals).
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,alice=t-alice,bob=t-bob';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

let env: TestPlatform;

async function as(token: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(env.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

const acl = (rule: Record<string, string | undefined>) => as('t-admin', 'POST', '/v1/acls', rule);
const highWatermark = async (topic: string) => (await as('t-admin', 'GET', `/v1/topics/${topic}/partitions/0/offsets`)).body.highWatermark;

before(async () => {
  env = await startTestPlatform();
  for (const name of ['orders', 'orders.eu', 'payments']) assert.equal((await as('t-admin', 'POST', '/v1/topics', { name })).status, 201);
  for (const rule of [
    { principal: 'alice', resourceType: 'TOPIC', resourceName: 'orders', operation: 'WRITE', permission: 'ALLOW' },
    { principal: 'bob', resourceType: 'TOPIC', patternType: 'PREFIXED', resourceName: 'orders', operation: 'READ', permission: 'ALLOW' },
    { principal: 'bob', resourceType: 'TOPIC', resourceName: 'orders.eu', operation: 'READ', permission: 'DENY' },
  ]) {
    assert.equal((await acl(rule)).status, 201);
  }
  await as('t-admin', 'POST', '/v1/topics/orders/records', { records: [{ value: 'seed' }] });
});

after(async () => {
  await env?.stop();
});

describe('authentication', () => {
  it('refuses a request without a token, or with an unknown one, with 401 UNAUTHENTICATED', async () => {
    for (const token of [null, 'wrong']) {
      const { status, body } = await as(token, 'GET', '/v1/topics');
      assert.equal(status, 401);
      assert.equal(body.error.code, 'UNAUTHENTICATED');
    }
  });
});

describe('ACLs', () => {
  it('refuses a produce the principal has no WRITE for, with 403 naming principal, operation and topic, and writes nothing', async () => {
    const before = await highWatermark('orders');
    const { status, body } = await as('t-bob', 'POST', '/v1/topics/orders/records', { records: [{ value: 'nope' }] });
    assert.equal(status, 403);
    assert.equal(body.error.code, 'ACCESS_DENIED');
    assert.match(body.error.message, /'bob' may not WRITE topic 'orders'/);
    assert.equal(await highWatermark('orders'), before);
  });

  it('allows the produce the principal has WRITE for', async () => {
    assert.equal((await as('t-alice', 'POST', '/v1/topics/orders/records', { records: [{ value: 'yes' }] })).status, 200);
  });

  it('refuses a read the principal has no READ for', async () => {
    const { status, body } = await as('t-alice', 'GET', '/v1/topics/orders/partitions/0/records');
    assert.equal(status, 403);
    assert.equal(body.error.operation, 'READ');
  });

  it('applies a PREFIXED allow to every topic starting with the prefix, and nothing else', async () => {
    assert.equal((await as('t-bob', 'GET', '/v1/topics/orders/partitions/0/records')).status, 200);
    assert.equal((await as('t-bob', 'GET', '/v1/topics/payments/partitions/0/records')).status, 403);
  });

  it('lets a deny win over a matching allow', async () => {
    const { status } = await as('t-bob', 'GET', '/v1/topics/orders.eu/partitions/0/records');
    assert.equal(status, 403);
  });

  it('lists only the topics the principal may describe', async () => {
    const alice = (await as('t-alice', 'GET', '/v1/topics')).body.topics.map((t: { name: string }) => t.name);
    assert.deepEqual(alice, ['orders']);
    const admin = (await as('t-admin', 'GET', '/v1/topics')).body.topics.map((t: { name: string }) => t.name);
    assert.deepEqual(admin, ['orders', 'orders.eu', 'payments']);
  });

  it('keeps ACL administration to principals allowed to ALTER the cluster', async () => {
    const { status } = await acl({ principal: 'alice', resourceType: 'TOPIC', resourceName: '*', operation: 'ALL', permission: 'ALLOW' }).then(() =>
      as('t-alice', 'POST', '/v1/acls', { principal: 'alice', resourceType: 'CLUSTER', resourceName: 'cluster', operation: 'ALTER', permission: 'ALLOW' }),
    );
    assert.equal(status, 403);
    const listed = (await as('t-admin', 'GET', '/v1/acls')).body.rules;
    assert.equal(listed.length, 4);
    const widened = listed.find((r: { resourceName: string }) => r.resourceName === '*');
    assert.equal((await as('t-admin', 'DELETE', `/v1/acls/${widened.ruleId}`)).status, 204);
    assert.equal((await as('t-alice', 'GET', '/v1/topics/payments/partitions/0/records')).status, 403, 'the deleted rule no longer applies');
  });

  it('guards consumer groups: joining needs READ on the group and on its topics', async () => {
    const refused = await as('t-bob', 'POST', '/v1/groups/bobs/members', { topics: ['orders'] });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.resourceType, 'GROUP');
    await acl({ principal: 'bob', resourceType: 'GROUP', resourceName: 'bobs', operation: 'READ', permission: 'ALLOW' });
    assert.equal((await as('t-bob', 'POST', '/v1/groups/bobs/members', { topics: ['orders'] })).status, 201);
    assert.equal((await as('t-bob', 'POST', '/v1/groups/bobs/members', { topics: ['payments'] })).status, 403);
  });
});

describe('quotas', () => {
  it('answers 429 with Retry-After once a principal passes its produce byte rate, and commits nothing then', async () => {
    assert.equal((await as('t-admin', 'PUT', '/v1/quotas', { principal: 'alice', produceBytesPerSecond: 100 })).status, 200);
    const record = { value: 'x'.repeat(600) };
    // Quota windows are 10 s of wall clock; within three calls one is refused even if a window turns over.
    let refused: Awaited<ReturnType<typeof as>> | undefined;
    let before = 0;
    for (let attempt = 0; attempt < 3 && !refused; attempt++) {
      before = await highWatermark('orders');
      const answer = await as('t-alice', 'POST', '/v1/topics/orders/records', { records: [record] });
      if (answer.status === 429) refused = answer;
      else assert.equal(answer.status, 200);
    }
    assert.ok(refused, 'a produce past the quota was refused');
    assert.equal(refused.body.error.code, 'QUOTA_EXCEEDED');
    assert.equal(refused.body.error.retriable, true);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal(await highWatermark('orders'), before, 'the refused call committed nothing');
    assert.equal((await as('t-admin', 'POST', '/v1/topics/orders/records', { records: [record] })).status, 200, 'other principals are not affected');
  });

  it('refuses fetches once a principal has read past its fetch byte rate', async () => {
    await as('t-admin', 'PUT', '/v1/quotas', { principal: 'bob', fetchBytesPerSecond: 50 });
    await as('t-admin', 'POST', '/v1/topics/orders/records', { records: [{ value: 'y'.repeat(700) }] });
    let refused: Awaited<ReturnType<typeof as>> | undefined;
    for (let attempt = 0; attempt < 3 && !refused; attempt++) {
      const answer = await as('t-bob', 'GET', '/v1/topics/orders/partitions/0/records');
      if (answer.status === 429) refused = answer;
      else assert.equal(answer.status, 200);
    }
    assert.ok(refused, 'a fetch past the quota was refused');
    assert.ok(refused.headers.get('retry-after'));
  });

  it('lists quotas for administrators', async () => {
    const quotas = (await as('t-admin', 'GET', '/v1/quotas')).body.quotas;
    assert.deepEqual(quotas.map((q: { principal: string }) => q.principal).sort(), ['alice', 'bob']);
  });
});
