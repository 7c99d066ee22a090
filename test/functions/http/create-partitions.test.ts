import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { partitionForKey } from '../../../lib/protocol/partitioner';
import { eventually } from '../../support/eventually';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';
import { TestWatchClient } from '../../support/watch-client';

/**
 * `POST /v1/topics/{topic}/partitions` (functions/http/create-partitions.ts) on the real
 * local platform with bearer tokens: the count only grows, the new partitions take
 * produce and fetch at once, keys map over the new count, a consumer group is rebalanced
 * onto it, bad input is a 400 naming `count` and changes nothing, and only ALTER on the
 * topic allows it.
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,alterer=t-alterer,configurer=t-configurer,denied=t-denied';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

let env: TestPlatform;

async function send(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(env.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const raise = (topic: string, count: unknown, token = 't-admin') => send(token, 'POST', `/v1/topics/${topic}/partitions`, { count });
const partitionsOf = async (topic: string) => (await send('t-admin', 'GET', `/v1/topics/${topic}`)).body.partitions as number;
const createTopic = async (name: string, partitions: number) => assert.equal((await send('t-admin', 'POST', '/v1/topics', { name, partitions })).status, 201);
const rule = (principal: string, operation: string, permission: 'ALLOW' | 'DENY' = 'ALLOW') => ({ principal, resourceType: 'TOPIC', resourceName: 'guarded', operation, permission });

before(async () => {
  env = await startTestPlatform();
  for (const [name, partitions] of [
    ['grown', 2],
    ['keyed', 2],
    ['bounds', 3],
    ['grouped', 2],
    ['guarded', 1],
    ['watched', 1],
  ] as const) {
    await createTopic(name, partitions);
  }
  for (const r of [rule('alterer', 'ALTER'), rule('configurer', 'ALTER_CONFIGS'), rule('configurer', 'DESCRIBE'), rule('denied', 'ALL'), rule('denied', 'ALTER', 'DENY')]) {
    assert.equal((await send('t-admin', 'POST', '/v1/acls', r)).status, 201);
  }
});

after(async () => {
  await env?.stop();
});

describe('POST /v1/topics/{topic}/partitions', () => {
  it('raises the count to the new total and answers the topic as describe does', async () => {
    const answer = await raise('grown', 4);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.partitions, 4);
    assert.deepEqual(answer.body, (await send('t-admin', 'GET', '/v1/topics/grown')).body);
  });

  it('takes produce to and fetch from a new partition at once', async () => {
    const produced = await send('t-admin', 'POST', '/v1/topics/grown/records', { records: [{ value: 'in-three', partition: 3 }] });
    assert.equal(produced.status, 200, JSON.stringify(produced.body));
    assert.deepEqual(produced.body.records.map((r: any) => [r.partition, r.offset]), [[3, 0]]);
    const fetched = await send('t-admin', 'GET', '/v1/topics/grown/partitions/3/records?offset=0&encoding=utf8');
    assert.equal(fetched.status, 200, JSON.stringify(fetched.body));
    assert.deepEqual(fetched.body.records.map((r: any) => r.value), ['in-three']);
    assert.equal(fetched.body.highWatermark, 1);
  });

  it("lists the new partitions' offsets beside the old ones", async () => {
    const offsets = await send('t-admin', 'GET', '/v1/topics/grown/offsets');
    assert.deepEqual(offsets.body.partitions.map((p: any) => p.partition), [0, 1, 2, 3]);
  });

  it('still refuses a partition past the new count', async () => {
    const answer = await send('t-admin', 'POST', '/v1/topics/grown/records', { records: [{ value: 'x', partition: 4 }] });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.limit, 3);
  });

  it('spreads keyed records over the new count (murmur2 mod N, as Kafka: keys move)', async () => {
    // A key whose partition differs between 2 and 4 partitions.
    const key = Array.from({ length: 100 }, (_, i) => `key-${i}`).find((k) => partitionForKey(Buffer.from(k), 2) !== partitionForKey(Buffer.from(k), 4))!;
    const produceKeyed = async () => (await send('t-admin', 'POST', '/v1/topics/keyed/records', { records: [{ key, value: 'v' }] })).body.records[0].partition;
    assert.equal(await produceKeyed(), partitionForKey(Buffer.from(key), 2));
    assert.equal((await raise('keyed', 4)).status, 200);
    // Any container spreads over the new count once its cached topic is at most 5 s old.
    await eventually(async () => (await produceKeyed()) === partitionForKey(Buffer.from(key), 4), 'the key maps over 4 partitions');
  });

  for (const [title, count, limit] of [
    ['the current count', 3, 4],
    ['a lower count', 2, 4],
  ] as const) {
    it(`refuses ${title} with 400 naming count and the current count, and changes nothing`, async () => {
      const answer = await raise('bounds', count);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, 'INVALID_REQUEST');
      assert.equal(answer.body.error.field, 'count');
      assert.equal(answer.body.error.partitions, 3);
      assert.equal(answer.body.error.limit, limit);
      assert.match(answer.body.error.message, /more than 3/);
      assert.equal(await partitionsOf('bounds'), 3);
    });
  }

  for (const [title, count, field, limit] of [
    ['past the platform limit', 257, 'count', 256],
    ['below 1', 0, 'count', 1],
    ['not an integer', 3.5, 'count', undefined],
    ['a string', '4', 'count', undefined],
  ] as const) {
    it(`refuses a count ${title} with 400 naming ${field}, and changes nothing`, async () => {
      const answer = await raise('bounds', count);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error.field, field);
      assert.equal(answer.body.error.limit, limit);
      assert.equal(await partitionsOf('bounds'), 3);
    });
  }

  it('refuses a body without count, or with another field', async () => {
    for (const [body, field] of [
      [{}, 'count'],
      [{ count: 5, partitions: 5 }, 'partitions'],
    ] as const) {
      const answer = await send('t-admin', 'POST', '/v1/topics/bounds/partitions', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error.field, field);
    }
    assert.equal(await partitionsOf('bounds'), 3);
  });

  it('answers 404 TOPIC_NOT_FOUND for a topic that does not exist, and creates nothing', async () => {
    const answer = await raise('nowhere', 4);
    assert.equal(answer.status, 404);
    assert.equal(answer.body.error.code, 'TOPIC_NOT_FOUND');
    assert.equal((await send('t-admin', 'GET', '/v1/topics/nowhere')).status, 404);
  });

  it("rebalances a consumer group of the topic onto the new partitions before answering", async () => {
    const joined = await send('t-admin', 'POST', '/v1/groups/readers/members', { topics: ['grouped'] });
    assert.equal(joined.status, 201, JSON.stringify(joined.body));
    const memberId = joined.body.memberId as string;
    const heartbeat = async () => (await send('t-admin', 'POST', `/v1/groups/readers/members/${memberId}/heartbeat`)).body;
    const assigned = (view: any) => view.assignment.flatMap((t: any) => t.partitions).sort();
    await eventually(async () => assigned(await heartbeat()).length === 2, 'the member is assigned both partitions');
    const before = await heartbeat();
    assert.equal((await raise('grouped', 4)).status, 200);
    const after = await heartbeat();
    assert.deepEqual(assigned(after), [0, 1, 2, 3]);
    assert.equal(after.generation, before.generation + 1);
    assert.equal(after.rebalanceInProgress, false);
  });
});

describe('POST /v1/topics/{topic}/partitions and members bound to a watch connection', { timeout: 60_000 }, () => {
  it('posts rebalance with the new generation to a bound member of a group of the topic', async () => {
    const joined = await send('t-admin', 'POST', '/v1/groups/watchers/members', { topics: ['watched'] });
    assert.equal(joined.status, 201, JSON.stringify(joined.body));
    const memberId = joined.body.memberId as string;
    const heartbeat = async () => (await send('t-admin', 'POST', `/v1/groups/watchers/members/${memberId}/heartbeat`)).body;
    await eventually(async () => (await heartbeat()).rebalanceInProgress === false, 'the member is settled');
    const settled = (await heartbeat()).generation as number;
    const client = await TestWatchClient.open(`${env.platform.watchUrl}?token=t-admin`);
    try {
      client.send({ action: 'bind', group: 'watchers', memberId });
      assert.equal((await client.next((m) => m.type === 'bound' || m.type === 'watch-error')).type, 'bound');
      assert.equal((await raise('watched', 3)).status, 200);
      const notice = await Promise.race([
        client.next((m) => m.type === 'rebalance'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no rebalance notice within 10 s')), 10_000).unref()),
      ]);
      assert.deepEqual(notice, { type: 'rebalance', group: 'watchers', generation: settled + 1 });
      assert.deepEqual((await heartbeat()).assignment, [{ topic: 'watched', partitions: [0, 1, 2] }]);
    } finally {
      client.close();
    }
  });
});

describe('POST /v1/topics/{topic}/partitions authorization', () => {
  it('allows a principal with ALTER on the topic', async () => {
    const answer = await raise('guarded', 2, 't-alterer');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(await partitionsOf('guarded'), 2);
  });

  it('refuses a principal with ALTER_CONFIGS (and DESCRIBE) but not ALTER, naming the operation, and changes nothing', async () => {
    const answer = await raise('guarded', 3, 't-configurer');
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error.code, 'ACCESS_DENIED');
    assert.equal(answer.body.error.operation, 'ALTER');
    assert.equal(await partitionsOf('guarded'), 2);
  });

  it('refuses a principal whose ALL is overruled by a DENY of ALTER', async () => {
    const answer = await raise('guarded', 3, 't-denied');
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error.operation, 'ALTER');
    assert.equal(await partitionsOf('guarded'), 2);
  });
});
