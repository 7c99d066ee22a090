import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** The log engine's produce guarantees, through the HTTP layer against DynamoDB Local and s3rver. */
let env: TestPlatform;

before(async () => {
  env = await startTestPlatform();
});

after(async () => {
  await env?.stop();
});

const topic = async (name: string, partitions = 1, config: Record<string, string> = {}) => {
  const created = await call(env.url, 'POST', '/v1/topics', { name, partitions, config });
  assert.equal(created.status, 201, JSON.stringify(created.body));
};
const produce = (name: string, body: unknown) => call(env.url, 'POST', `/v1/topics/${name}/records`, body);
const highWatermark = async (name: string, partition = 0) =>
  (await call(env.url, 'GET', `/v1/topics/${name}/partitions/${partition}/offsets`)).body.highWatermark as number;

describe('idempotent producers', () => {
  it('issues a new producer id at epoch 0 to each anonymous caller', async () => {
    const a = await call(env.url, 'POST', '/v1/producers');
    const b = await call(env.url, 'POST', '/v1/producers', {});
    assert.equal(a.status, 200);
    assert.equal(a.body.epoch, 0);
    assert.notEqual(a.body.producerId, b.body.producerId);
  });

  it('bumps the epoch of the same id when a named producer initialises again', async () => {
    const first = await call(env.url, 'POST', '/v1/producers', { name: 'billing-1' });
    const second = await call(env.url, 'POST', '/v1/producers', { name: 'billing-1' });
    assert.equal(second.body.producerId, first.body.producerId);
    assert.equal(second.body.epoch, first.body.epoch + 1);
  });

  it('answers a retried call with the original offsets and writes nothing new', async () => {
    await topic('idem');
    const { body: producer } = await call(env.url, 'POST', '/v1/producers');
    const request = { producer: { id: producer.producerId, epoch: producer.epoch, sequences: { '0': 0 } }, records: [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }] };
    const first = await produce('idem', request);
    const retry = await produce('idem', request);
    assert.equal(retry.status, 200);
    assert.equal(retry.body.duplicate, true);
    assert.deepEqual(retry.body.records, first.body.records);
    assert.equal(await highWatermark('idem'), 2);
  });

  it('answers the commit transactions a call sent: 1 uncontended, 0 for a retry answered from the producer state', async () => {
    await topic('attempts');
    const { body: producer } = await call(env.url, 'POST', '/v1/producers');
    const request = { producer: { id: producer.producerId, epoch: producer.epoch, sequences: { '0': 0 } }, records: [{ value: 'a', partition: 0 }] };
    assert.equal((await produce('attempts', request)).body.commitAttempts, 1);
    assert.equal((await produce('attempts', request)).body.commitAttempts, 0);
  });

  it('answers more than one commit transaction for calls that raced on one partition', async () => {
    await topic('attempts-race');
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => produce('attempts-race', { records: [{ value: `v${i}`, partition: 0 }] })));
    for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const attempts = answers.map((a) => a.body.commitAttempts as number);
    // Six writers started together read the head before any commits; all but one of those lose a race.
    assert.ok(attempts.every((a) => a >= 1), `attempts ${attempts.join(', ')}`);
    assert.ok(attempts.some((a) => a > 1), `attempts ${attempts.join(', ')}`);
  });

  it('answers concurrent copies of one call with one commit', async () => {
    await topic('idem-race');
    const { body: producer } = await call(env.url, 'POST', '/v1/producers');
    const request = { producer: { id: producer.producerId, epoch: 0, sequences: { '0': 0 } }, records: [{ value: 'x', partition: 0 }] };
    const answers = await Promise.all(Array.from({ length: 5 }, () => produce('idem-race', request)));
    for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(new Set(answers.map((a) => a.body.records[0].offset)).size, 1);
    assert.equal(await highWatermark('idem-race'), 1);
  });

  it('refuses a sequence gap with 409 OUT_OF_ORDER_SEQUENCE and commits nothing', async () => {
    await topic('gaps');
    const { body: producer } = await call(env.url, 'POST', '/v1/producers');
    const claim = (sequence: number) => ({ id: producer.producerId, epoch: 0, sequences: { '0': sequence } });
    assert.equal((await produce('gaps', { producer: claim(0), records: [{ value: 'a', partition: 0 }] })).status, 200);
    const gap = await produce('gaps', { producer: claim(5), records: [{ value: 'b', partition: 0 }] });
    assert.equal(gap.status, 409);
    assert.equal(gap.body.error.code, 'OUT_OF_ORDER_SEQUENCE');
    assert.equal(gap.body.error.expected, 1);
    assert.equal(await highWatermark('gaps'), 1);
  });

  it('fences the older instance of a named producer with 409 FENCED', async () => {
    await topic('fenced');
    const old = (await call(env.url, 'POST', '/v1/producers', { name: 'zombie-test' })).body;
    const claim = (p: { producerId: number; epoch: number }, sequence: number) => ({ id: p.producerId, epoch: p.epoch, sequences: { '0': sequence } });
    assert.equal((await produce('fenced', { producer: claim(old, 0), records: [{ value: 'before', partition: 0 }] })).status, 200);
    const fresh = (await call(env.url, 'POST', '/v1/producers', { name: 'zombie-test' })).body;
    const zombie = await produce('fenced', { producer: claim(old, 1), records: [{ value: 'zombie', partition: 0 }] });
    assert.equal(zombie.status, 409);
    assert.equal(zombie.body.error.code, 'FENCED');
    assert.equal((await produce('fenced', { producer: claim(fresh, 0), records: [{ value: 'after', partition: 0 }] })).status, 200);
    const { body } = await call(env.url, 'GET', '/v1/topics/fenced/partitions/0/records?encoding=utf8');
    assert.deepEqual(
      body.records.map((r: { value: string }) => r.value),
      ['before', 'after'],
    );
  });

  it('refuses an epoch that was never issued', async () => {
    await topic('unknown-producer');
    const { body: producer } = await call(env.url, 'POST', '/v1/producers');
    const result = await produce('unknown-producer', { producer: { id: producer.producerId, epoch: 9, sequences: { '0': 0 } }, records: [{ value: 'x', partition: 0 }] });
    assert.equal(result.status, 400);
    assert.equal(result.body.error.code, 'UNKNOWN_PRODUCER');
  });

  it('requires sequences for exactly the partitions the call writes', async () => {
    await topic('seq-shape', 2);
    const { body: producer } = await call(env.url, 'POST', '/v1/producers');
    const result = await produce('seq-shape', { producer: { id: producer.producerId, epoch: 0, sequences: { '0': 0 } }, records: [{ value: 'x', partition: 1 }] });
    assert.equal(result.status, 400);
    assert.equal(result.body.error.field, 'producer.sequences');
  });
});

describe('conditional append (expectedOffset)', () => {
  it('commits when the high watermark matches and refuses with 409 OFFSET_MISMATCH when it does not', async () => {
    await topic('cas');
    assert.equal((await produce('cas', { expectedOffset: 0, records: [{ value: 'first' }] })).status, 200);
    const stale = await produce('cas', { expectedOffset: 0, records: [{ value: 'lost race' }] });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.code, 'OFFSET_MISMATCH');
    assert.equal(stale.body.error.highWatermark, 1);
    assert.equal((await produce('cas', { expectedOffset: 1, records: [{ value: 'second' }] })).status, 200);
    assert.equal(await highWatermark('cas'), 2);
  });

  it('lets exactly one of several writers expecting the same offset win', async () => {
    await topic('cas-race');
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => produce('cas-race', { expectedOffset: 0, records: [{ value: `w${i}` }] })));
    assert.equal(answers.filter((a) => a.status === 200).length, 1);
    assert.ok(answers.filter((a) => a.status !== 200).every((a) => a.body.error.code === 'OFFSET_MISMATCH'));
    assert.equal(await highWatermark('cas-race'), 1);
  });
});

describe('reads', () => {
  it('long-polls: a fetch at the high watermark answers with a record committed while it waits', async () => {
    await topic('tail');
    const waiting = call(env.url, 'GET', '/v1/topics/tail/partitions/0/records?offset=0&waitMs=20000&encoding=utf8');
    await new Promise((r) => setTimeout(r, 300));
    await produce('tail', { records: [{ value: 'arrived' }] });
    const { status, body } = await waiting;
    assert.equal(status, 200);
    assert.deepEqual(
      body.records.map((r: { value: string }) => r.value),
      ['arrived'],
    );
  });

  it('long-polls with nothing arriving: answers empty at the high watermark', async () => {
    const { body } = await call(env.url, 'GET', '/v1/topics/tail/partitions/0/records?offset=1&waitMs=200');
    assert.deepEqual(body.records, []);
    assert.equal(body.nextOffset, 1);
  });

  it('refuses waitMs over 20 s, naming the limit', async () => {
    const { status, body } = await call(env.url, 'GET', '/v1/topics/tail/partitions/0/records?waitMs=20001');
    assert.equal(status, 400);
    assert.equal(body.error.limit, 20000);
  });

  it('finds the first offset whose timestamp is at least t, even with out-of-order producer timestamps', async () => {
    await topic('times');
    await produce('times', { records: [{ value: 'a', timestamp: 1000 }, { value: 'b', timestamp: 3000 }] });
    await produce('times', { records: [{ value: 'c', timestamp: 2000 }, { value: 'd', timestamp: 4000 }] });
    await produce('times', { records: [{ value: 'e', timestamp: 5000 }] });
    const at = async (t: number) => (await call(env.url, 'GET', `/v1/topics/times/partitions/0/offsets?timestamp=${t}`)).body.offset;
    assert.equal(await at(0), 0);
    assert.equal(await at(1000), 0);
    assert.equal(await at(1001), 1);
    assert.equal(await at(3500), 3);
    assert.equal(await at(5000), 4);
    assert.equal(await at(5001), null);
  });

  it('stores compressed topics and reads them back the same', async () => {
    for (const type of ['gzip', 'zstd']) {
      await topic(`compressed-${type}`, 1, { 'compression.type': type });
      const records = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(200) + i, headers: [{ key: 'h', value: String(i) }] }));
      assert.equal((await produce(`compressed-${type}`, { records })).status, 200);
      const { body } = await call(env.url, 'GET', `/v1/topics/compressed-${type}/partitions/0/records?encoding=utf8`);
      assert.deepEqual(
        body.records.map((r: { key: string; value: string; headers: unknown }) => ({ key: r.key, value: r.value, headers: r.headers })),
        records,
      );
    }
  });
});
