import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * The group administration routes (functions/http/reset-group-offsets.ts, delete-group.ts,
 * delete-group-offsets.ts) on the real local platform: what they answer, and that bad
 * input is a 400 naming the field (and the limit, where one applies) that changes nothing.
 */
let env: TestPlatform;

before(async () => {
  env = await startTestPlatform();
  assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'gh.orders', partitions: 2 })).status, 201);
  const records = [0, 1, 2].map((i) => ({ value: `v${i}`, partition: 0 }));
  assert.equal((await call(env.url, 'POST', '/v1/topics/gh.orders/records', { records })).status, 200);
  assert.equal((await call(env.url, 'POST', '/v1/groups/gh.g/offsets', { offsets: [{ topic: 'gh.orders', partition: 0, offset: 1 }] })).status, 200);
});

after(async () => {
  await env?.stop();
});

async function committed(group = 'gh.g'): Promise<unknown> {
  const answer = await call(env.url, 'GET', `/v1/groups/${group}/offsets?topic=gh.orders`);
  return answer.status === 200 ? answer.body.partitions.map((p: { committedOffset: number | null }) => p.committedOffset) : answer.status;
}

describe('POST /v1/groups/{group}/reset-offsets', () => {
  it('answers the planned offsets per partition on a dry run, and the committed offsets stay', async () => {
    const answer = await call(env.url, 'POST', '/v1/groups/gh.g/reset-offsets', { topic: 'gh.orders', to: { type: 'latest' }, dryRun: true });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, {
      group: 'gh.g',
      topic: 'gh.orders',
      dryRun: true,
      partitions: [
        { partition: 0, previousOffset: 1, offset: 3, logStartOffset: 0, highWatermark: 3, clamped: false },
        { partition: 1, previousOffset: null, offset: 0, logStartOffset: 0, highWatermark: 0, clamped: false },
      ],
    });
    assert.deepEqual(await committed(), [1, null]);
  });

  it('clamps an explicit offset past the high watermark to it, and says so', async () => {
    const answer = await call(env.url, 'POST', '/v1/groups/gh.clamp/reset-offsets', { topic: 'gh.orders', partitions: [0], to: { type: 'offset', offset: 99 } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(
      answer.body.partitions.map((p: { offset: number; clamped: boolean }) => [p.offset, p.clamped]),
      [[3, true]],
    );
    assert.deepEqual(await committed('gh.clamp'), [3, null]);
  });

  const bad: [string, unknown, string, number?][] = [
    ['no target', { topic: 'gh.orders' }, 'to'],
    ['an unknown target type', { topic: 'gh.orders', to: { type: 'newest' } }, 'to.type'],
    ['a negative offset', { topic: 'gh.orders', to: { type: 'offset', offset: -1 } }, 'to.offset', 0],
    ['a timestamp past the last valid date', { topic: 'gh.orders', to: { type: 'timestamp', timestamp: 8_640_000_000_000_001 } }, 'to.timestamp', 8_640_000_000_000_000],
    ['an offset without its number', { topic: 'gh.orders', to: { type: 'offset' } }, 'to.offset'],
    ['an empty partition list', { topic: 'gh.orders', partitions: [], to: { type: 'latest' } }, 'partitions', 1],
    ['too many partitions', { topic: 'gh.orders', partitions: Array.from({ length: 257 }, (_, i) => i), to: { type: 'latest' } }, 'partitions', 256],
    ['a negative partition', { topic: 'gh.orders', partitions: [-1], to: { type: 'latest' } }, 'partitions[0]', 0],
    ['a partition named twice', { topic: 'gh.orders', partitions: [0, 0], to: { type: 'latest' } }, 'partitions[1]'],
    ['dryRun not a boolean', { topic: 'gh.orders', to: { type: 'latest' }, dryRun: 'yes' }, 'dryRun'],
    ['no topic', { to: { type: 'latest' } }, 'topic'],
    ['an unknown key', { topic: 'gh.orders', to: { type: 'latest' }, force: true }, 'force'],
  ];
  for (const [title, body, field, limit] of bad) {
    it(`answers 400 naming ${field} for ${title}, and changes nothing`, async () => {
      const answer = await call(env.url, 'POST', '/v1/groups/gh.g/reset-offsets', body);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, 'INVALID_REQUEST');
      assert.equal(answer.body.error.field, field, JSON.stringify(answer.body));
      if (limit !== undefined) assert.equal(answer.body.error.limit, limit, JSON.stringify(answer.body));
      assert.deepEqual(await committed(), [1, null]);
    });
  }

  it('answers 404 PARTITION_NOT_FOUND for a partition the topic lacks, and changes nothing', async () => {
    const answer = await call(env.url, 'POST', '/v1/groups/gh.g/reset-offsets', { topic: 'gh.orders', partitions: [2], to: { type: 'latest' } });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.error.code, 'PARTITION_NOT_FOUND');
    assert.deepEqual(await committed(), [1, null]);
  });

  it('answers 404 TOPIC_NOT_FOUND for a topic that does not exist', async () => {
    const answer = await call(env.url, 'POST', '/v1/groups/gh.g/reset-offsets', { topic: 'gh.none', to: { type: 'latest' } });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.error.code, 'TOPIC_NOT_FOUND');
  });
});

describe('DELETE /v1/groups/{group} and /v1/groups/{group}/offsets/{topic}', () => {
  it('answers 400 naming the group for a bad group name', async () => {
    const answer = await call(env.url, 'DELETE', `/v1/groups/${'g'.repeat(250)}`);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.field, 'group');
    assert.equal(answer.body.error.limit, 249);
  });

  it('answers 400 naming the topic for a bad topic name, and changes nothing', async () => {
    const answer = await call(env.url, 'DELETE', '/v1/groups/gh.g/offsets/bad%20name');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.field, 'topic');
    assert.deepEqual(await committed(), [1, null]);
  });

  it('answers 400 naming an unknown query parameter, and changes nothing', async () => {
    const answer = await call(env.url, 'DELETE', '/v1/groups/gh.g?force=true');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.field, 'force');
    assert.deepEqual(await committed(), [1, null]);
  });

  it('deletes offsets of a topic (200 with the partitions), then the group (204), then answers 404', async () => {
    assert.equal((await call(env.url, 'POST', '/v1/groups/gh.del/offsets', { offsets: [{ topic: 'gh.orders', partition: 1, offset: 0 }] })).status, 200);
    const deleted = await call(env.url, 'DELETE', '/v1/groups/gh.del/offsets/gh.orders');
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual(deleted.body, { group: 'gh.del', topic: 'gh.orders', partitions: [1] });
    // With no offsets and no meta item left the group is gone already.
    assert.equal((await call(env.url, 'DELETE', '/v1/groups/gh.del')).status, 404);
    assert.equal((await call(env.url, 'DELETE', '/v1/groups/gh.g')).status, 204);
    assert.equal((await call(env.url, 'GET', '/v1/groups/gh.g/offsets')).status, 404);
  });
});
