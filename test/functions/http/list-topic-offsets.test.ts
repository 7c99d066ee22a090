import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * `GET /v1/topics/{topic}/offsets` (functions/http/list-topic-offsets.ts) and
 * `GET /v1/topics/{topic}` (describe-topic.ts) on the real local platform, with bearer
 * tokens: describe answers the topic alone; the offsets route answers every partition's
 * offsets, authorized as describe and the per-partition offsets route are (DESCRIBE).
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,reader=t-reader,denied=t-denied,nobody=t-nobody';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

let env: TestPlatform;

async function send(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(env.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const acl = (principal: string, permission: 'ALLOW' | 'DENY') => ({ principal, resourceType: 'TOPIC', resourceName: 'orders', operation: 'DESCRIBE', permission });

before(async () => {
  env = await startTestPlatform();
  assert.equal((await send('t-admin', 'POST', '/v1/topics', { name: 'orders', partitions: 3 })).status, 201);
  const records = [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }, { value: 'c', partition: 2 }];
  assert.equal((await send('t-admin', 'POST', '/v1/topics/orders/records', { records })).status, 200);
  for (const rule of [acl('reader', 'ALLOW'), acl('denied', 'ALLOW'), acl('denied', 'DENY')]) assert.equal((await send('t-admin', 'POST', '/v1/acls', rule)).status, 201);
});

after(async () => {
  await env?.stop();
});

describe('GET /v1/topics/{topic}/offsets', () => {
  it("answers every partition's log start offset and high watermark after produce, in partition order", async () => {
    const answer = await send('t-admin', 'GET', '/v1/topics/orders/offsets');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {
      topic: 'orders',
      partitions: [
        { partition: 0, logStartOffset: 0, highWatermark: 2, storedBytes: answer.body.partitions[0].storedBytes },
        { partition: 1, logStartOffset: 0, highWatermark: 0, storedBytes: 0 },
        { partition: 2, logStartOffset: 0, highWatermark: 1, storedBytes: answer.body.partitions[2].storedBytes },
      ],
    });
  });

  it("answers each partition's stored bytes: more for the partition holding two records than for the one holding one, none for the empty one", async () => {
    const [p0, p1, p2] = (await send('t-admin', 'GET', '/v1/topics/orders/offsets')).body.partitions;
    assert.equal(p1.storedBytes, 0);
    assert.ok(p2.storedBytes > 0, `partition 2 holds bytes (${p2.storedBytes})`);
    assert.ok(p0.storedBytes > p2.storedBytes, `two batches (${p0.storedBytes}) hold more than one (${p2.storedBytes})`);
  });

  it('agrees with the per-partition offsets route', async () => {
    const whole = (await send('t-admin', 'GET', '/v1/topics/orders/offsets')).body.partitions;
    for (const p of whole) {
      const one = await send('t-admin', 'GET', `/v1/topics/orders/partitions/${p.partition}/offsets`);
      // The per-partition route answers the range only, not the stored bytes.
      const { storedBytes: _bytes, ...range } = p;
      assert.deepEqual(one.body, { topic: 'orders', ...range });
    }
  });

  it('answers fewer stored bytes once a trim releases a whole batch', async () => {
    assert.equal((await send('t-admin', 'POST', '/v1/topics', { name: 'trimmed-bytes', partitions: 1 })).status, 201);
    // Two produce calls: two batches, offsets 0-1 and 2.
    assert.equal((await send('t-admin', 'POST', '/v1/topics/trimmed-bytes/records', { records: [{ value: 'a' }, { value: 'b' }] })).status, 200);
    assert.equal((await send('t-admin', 'POST', '/v1/topics/trimmed-bytes/records', { records: [{ value: 'c' }] })).status, 200);
    const before = (await send('t-admin', 'GET', '/v1/topics/trimmed-bytes/offsets')).body.partitions[0].storedBytes;
    assert.equal((await send('t-admin', 'POST', '/v1/topics/trimmed-bytes/partitions/0/trim', { offset: 2 })).status, 200);
    const [after] = (await send('t-admin', 'GET', '/v1/topics/trimmed-bytes/offsets')).body.partitions;
    assert.equal(after.logStartOffset, 2);
    assert.ok(after.storedBytes > 0 && after.storedBytes < before, `the second batch's bytes (${after.storedBytes}) are less than both (${before})`);
  });

  it('answers 404 TOPIC_NOT_FOUND for a topic that does not exist', async () => {
    const answer = await send('t-admin', 'GET', '/v1/topics/missing/offsets');
    assert.equal(answer.status, 404);
    assert.equal(answer.body.error.code, 'TOPIC_NOT_FOUND');
  });

  it('is allowed by DESCRIBE on the topic and refused with 403 as describe is: no rule, or a DENY', async () => {
    assert.equal((await send('t-reader', 'GET', '/v1/topics/orders/offsets')).status, 200);
    for (const token of ['t-nobody', 't-denied']) {
      for (const path of ['/v1/topics/orders/offsets', '/v1/topics/orders']) {
        const answer = await send(token, 'GET', path);
        assert.equal(answer.status, 403, `${token} ${path}`);
        assert.equal(answer.body.error.code, 'ACCESS_DENIED');
      }
    }
    // A caller without rights learns nothing of whether the topic exists.
    assert.equal((await send('t-nobody', 'GET', '/v1/topics/missing/offsets')).status, 403);
  });

  it('refuses a query parameter (it takes none) with 400', async () => {
    const answer = await send('t-admin', 'GET', '/v1/topics/orders/offsets?timestamp=0');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'INVALID_REQUEST');
  });
});

describe('GET /v1/topics/{topic}', () => {
  it('answers the topic alone, without partitionOffsets', async () => {
    const answer = await send('t-reader', 'GET', '/v1/topics/orders');
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.body).sort(), ['config', 'createdAt', 'name', 'partitions', 'topicId']);
    assert.equal(answer.body.partitions, 3);
  });
});
