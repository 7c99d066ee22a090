import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { partitionForKey } from '../../../lib/protocol/partitioner';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * End to end through the local HTTP layer: real handlers, DynamoDB Local and s3rver,
 * with the real AWS SDK clients.
 */
let env: TestPlatform;

before(async () => {
  env = await startTestPlatform();
});

after(async () => {
  await env?.stop();
});

async function readAll(topic: string, partition: number, maxRecords = 10_000): Promise<any[]> {
  const records: any[] = [];
  let offset = 0;
  for (;;) {
    const { status, body } = await call(env.url, 'GET', `/v1/topics/${topic}/partitions/${partition}/records?offset=${offset}&maxRecords=${maxRecords}&encoding=utf8`);
    assert.equal(status, 200, JSON.stringify(body));
    records.push(...body.records);
    if (body.nextOffset >= body.highWatermark) return records;
    assert.ok(body.nextOffset > offset, 'a fetch always makes progress');
    offset = body.nextOffset;
  }
}

describe('topics', () => {
  it('creates a topic and answers 201 with its id, partitions and config', async () => {
    const { status, body } = await call(env.url, 'POST', '/v1/topics', { name: 'created', partitions: 3, config: { 'message.timestamp.type': 'LogAppendTime' } });
    assert.equal(status, 201);
    assert.equal(body.name, 'created');
    assert.equal(body.partitions, 3);
    assert.deepEqual(body.config, { 'message.timestamp.type': 'LogAppendTime' });
    assert.match(body.topicId, /^[0-9a-f-]{36}$/);
  });

  it('answers 409 TOPIC_EXISTS to a duplicate name', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'dup' });
    const { status, body } = await call(env.url, 'POST', '/v1/topics', { name: 'dup', partitions: 2 });
    assert.equal(status, 409);
    assert.equal(body.error.code, 'TOPIC_EXISTS');
  });

  it('refuses a bad name with a 400 naming the field', async () => {
    const { status, body } = await call(env.url, 'POST', '/v1/topics', { name: 'no spaces!' });
    assert.equal(status, 400);
    assert.equal(body.error.code, 'INVALID_REQUEST');
    assert.equal(body.error.field, 'name');
  });

  it('refuses a partition count over the limit with a 400 naming the limit', async () => {
    const { status, body } = await call(env.url, 'POST', '/v1/topics', { name: 'too-many', partitions: 257 });
    assert.equal(status, 400);
    assert.equal(body.error.field, 'partitions');
    assert.equal(body.error.limit, 256);
    assert.equal((await call(env.url, 'GET', '/v1/topics/too-many')).status, 404);
  });

  it('refuses an unknown config key', async () => {
    const { status, body } = await call(env.url, 'POST', '/v1/topics', { name: 'bad-config', config: { 'segment.jitter.ms': '1' } });
    assert.equal(status, 400);
    assert.equal(body.error.field, 'config.segment.jitter.ms');
  });

  it('lists topics sorted by name and describes one with its partition offsets', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'zz-last', partitions: 2 });
    await call(env.url, 'POST', '/v1/topics', { name: 'aa-first' });
    const list = await call(env.url, 'GET', '/v1/topics');
    const names = list.body.topics.map((t: { name: string }) => t.name);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes('zz-last') && names.includes('aa-first'));
    const described = await call(env.url, 'GET', '/v1/topics/zz-last');
    assert.equal(described.body.partitions, 2);
    assert.equal(described.body.partitionOffsets, undefined);
    const offsets = await call(env.url, 'GET', '/v1/topics/zz-last/offsets');
    assert.deepEqual(offsets.body.partitions, [
      { partition: 0, logStartOffset: 0, highWatermark: 0, storedBytes: 0 },
      { partition: 1, logStartOffset: 0, highWatermark: 0, storedBytes: 0 },
    ]);
  });

  it('answers 404 TOPIC_NOT_FOUND for a missing topic', async () => {
    const { status, body } = await call(env.url, 'GET', '/v1/topics/missing');
    assert.equal(status, 404);
    assert.equal(body.error.code, 'TOPIC_NOT_FOUND');
  });
});

describe('produce and fetch', () => {
  it('stores 1,000 keyed records on the Kafka partition of each key and reads every one back in offset order', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'orders', partitions: 4 });
    const sent = Array.from({ length: 1000 }, (_, i) => ({ key: `customer-${i % 37}`, value: `order ${i}` }));
    for (let i = 0; i < sent.length; i += 250) {
      const { status, body } = await call(env.url, 'POST', '/v1/topics/orders/records', { records: sent.slice(i, i + 250) });
      assert.equal(status, 200, JSON.stringify(body));
      body.records.forEach((r: { partition: number }, j: number) => {
        assert.equal(r.partition, partitionForKey(Buffer.from(sent[i + j]!.key), 4));
      });
    }
    let total = 0;
    for (let p = 0; p < 4; p++) {
      const records = await readAll('orders', p, 100);
      const expected = sent.filter((r) => partitionForKey(Buffer.from(r.key), 4) === p);
      assert.deepEqual(
        records.map((r) => r.offset),
        expected.map((_, i) => i),
      );
      assert.deepEqual(
        records.map((r) => [r.key, r.value]),
        expected.map((r) => [r.key, r.value]),
      );
      total += records.length;
    }
    assert.equal(total, 1000);
  });

  it('reads across many index pages: 40 single-record batches come back in one fetch', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'many-batches' });
    for (let i = 0; i < 40; i++) await call(env.url, 'POST', '/v1/topics/many-batches/records', { records: [{ value: `v${i}` }] });
    const { status, body } = await call(env.url, 'GET', '/v1/topics/many-batches/partitions/0/records?offset=3&encoding=utf8');
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(
      body.records.map((r: { value: string }) => r.value),
      Array.from({ length: 37 }, (_, i) => `v${i + 3}`),
    );
  });

  it('answers each record its partition and offset, in request order', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'explicit', partitions: 3 });
    const { body } = await call(env.url, 'POST', '/v1/topics/explicit/records', {
      records: [
        { value: 'a', partition: 2 },
        { value: 'b', partition: 0 },
        { value: 'c', partition: 2 },
      ],
    });
    assert.deepEqual(
      body.records.map((r: { partition: number; offset: number }) => [r.partition, r.offset]),
      [
        [2, 0],
        [0, 0],
        [2, 1],
      ],
    );
  });

  it('round-trips binary keys, values and headers as base64, nulls and header order included', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'binary' });
    const value = Buffer.from([0, 255, 1, 254, 128]).toString('base64');
    const headers = [
      { key: 'h', value: Buffer.from([200, 0]).toString('base64') },
      { key: 'h', value: null },
      { key: 'a', value: '' },
    ];
    const produced = await call(env.url, 'POST', '/v1/topics/binary/records', {
      encoding: 'base64',
      records: [{ key: Buffer.from([7]).toString('base64'), value, headers, timestamp: 1700000000000 }, { value: null }],
    });
    assert.equal(produced.status, 200);
    const { body } = await call(env.url, 'GET', '/v1/topics/binary/partitions/0/records');
    assert.equal(body.encoding, 'base64');
    assert.deepEqual(body.records[0], { offset: 0, timestamp: 1700000000000, key: 'Bw==', value, headers });
    assert.equal(body.records[1].value, null);
  });

  it('refuses utf8 output for bytes that are not UTF-8, with 422 naming the offset', async () => {
    const { status, body } = await call(env.url, 'GET', '/v1/topics/binary/partitions/0/records?encoding=utf8');
    assert.equal(status, 422);
    assert.equal(body.error.code, 'UNDECODABLE_RECORD');
    assert.equal(body.error.offset, 0);
  });

  it('stamps LogAppendTime topics with the server time, not the producer time', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'append-time', config: { 'message.timestamp.type': 'LogAppendTime' } });
    const before = Date.now();
    const { body } = await call(env.url, 'POST', '/v1/topics/append-time/records', { records: [{ value: 'x', timestamp: 1000 }] });
    assert.ok(body.records[0].timestamp >= before);
  });

  it('limits a fetch by maxRecords, and by maxBytes at batch bounds: the batch holding the offset is answered to its end', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'limits' });
    const records = Array.from({ length: 20 }, (_, i) => ({ value: 'x'.repeat(100) + i }));
    await call(env.url, 'POST', '/v1/topics/limits/records', { records: records.slice(0, 10) });
    await call(env.url, 'POST', '/v1/topics/limits/records', { records: records.slice(10) });
    const byCount = await call(env.url, 'GET', '/v1/topics/limits/partitions/0/records?offset=8&maxRecords=5&encoding=utf8');
    assert.deepEqual(
      byCount.body.records.map((r: { offset: number }) => r.offset),
      [8, 9, 10, 11, 12],
    );
    assert.equal(byCount.body.nextOffset, 13);
    assert.equal(byCount.body.highWatermark, 20);
    // Two batches: offsets 0-9 of 101 bytes each (1,010), then 10-19 of 102 (1,020).
    const offsetsOf = (answer: { body: { records: { offset: number }[] } }) => answer.body.records.map((r) => r.offset);
    const firstOnly = await call(env.url, 'GET', '/v1/topics/limits/partitions/0/records?offset=0&maxBytes=250');
    assert.deepEqual(offsetsOf(firstOnly), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const notAllOfTheSecond = await call(env.url, 'GET', '/v1/topics/limits/partitions/0/records?offset=0&maxBytes=2029');
    assert.equal(notAllOfTheSecond.body.nextOffset, 10);
    const both = await call(env.url, 'GET', '/v1/topics/limits/partitions/0/records?offset=0&maxBytes=2030');
    assert.equal(both.body.nextOffset, 20);
    const tiny = await call(env.url, 'GET', '/v1/topics/limits/partitions/0/records?offset=3&maxBytes=1');
    assert.deepEqual(offsetsOf(tiny), [3, 4, 5, 6, 7, 8, 9]);
  });

  it('answers an empty list at the high watermark and 416 past it, stating the valid range', async () => {
    const atEnd = await call(env.url, 'GET', '/v1/topics/limits/partitions/0/records?offset=20');
    assert.equal(atEnd.status, 200);
    assert.deepEqual(atEnd.body.records, []);
    assert.equal(atEnd.body.nextOffset, 20);
    const past = await call(env.url, 'GET', '/v1/topics/limits/partitions/0/records?offset=21');
    assert.equal(past.status, 416);
    assert.equal(past.body.error.code, 'OFFSET_OUT_OF_RANGE');
    assert.equal(past.body.error.highWatermark, 20);
    assert.match(past.body.error.message, /0\.\.20/);
  });

  it('reports earliest and latest offsets', async () => {
    const { body } = await call(env.url, 'GET', '/v1/topics/limits/partitions/0/offsets');
    assert.deepEqual(body, { topic: 'limits', partition: 0, logStartOffset: 0, highWatermark: 20 });
  });

  it('gives concurrent producers to one partition unique, gapless offsets and loses nothing', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'contended' });
    const producers = Array.from({ length: 8 }, (_, p) =>
      call(env.url, 'POST', '/v1/topics/contended/records', {
        records: Array.from({ length: 25 }, (_, i) => ({ value: `${p}:${i}` })),
      }),
    );
    const results = await Promise.all(producers);
    const offsets = results.flatMap((r) => {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.records.map((x: { offset: number }) => x.offset);
    });
    assert.deepEqual(
      [...offsets].sort((a, b) => a - b),
      Array.from({ length: 200 }, (_, i) => i),
    );
    const stored = await readAll('contended', 0);
    assert.equal(stored.length, 200);
    // Each call's records are contiguous and in order.
    for (let p = 0; p < 8; p++) {
      const mine = stored.filter((r) => r.value.startsWith(`${p}:`));
      assert.deepEqual(
        mine.map((r) => r.value),
        Array.from({ length: 25 }, (_, i) => `${p}:${i}`),
      );
      assert.equal(mine[24].offset - mine[0].offset, 24);
    }
  });
});

describe('bad input changes nothing', () => {
  it('refuses an oversized value with a 400 naming the field and limit, and writes no record', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'guarded' });
    const { status, body } = await call(env.url, 'POST', '/v1/topics/guarded/records', {
      records: [{ value: 'ok' }, { value: 'x'.repeat(1024 * 1024 + 1) }],
    });
    assert.equal(status, 400);
    assert.equal(body.error.field, 'records[1].value');
    assert.equal(body.error.limit, 1048576);
    assert.equal((await call(env.url, 'GET', '/v1/topics/guarded/partitions/0/offsets')).body.highWatermark, 0);
  });

  it('refuses a partition the topic does not have', async () => {
    const { status, body } = await call(env.url, 'POST', '/v1/topics/guarded/records', { records: [{ value: 'x', partition: 1 }] });
    assert.equal(status, 400);
    assert.equal(body.error.field, 'records[0].partition');
  });

  it('refuses invalid base64 naming the field', async () => {
    const { status, body } = await call(env.url, 'POST', '/v1/topics/guarded/records', { encoding: 'base64', records: [{ value: 'not base64!' }] });
    assert.equal(status, 400);
    assert.equal(body.error.field, 'records[0].value');
  });

  it('refuses malformed JSON and empty batches', async () => {
    const malformed = await fetch(`${env.url}/v1/topics/guarded/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"records": [' });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as any).error.field, 'body');
    const empty = await call(env.url, 'POST', '/v1/topics/guarded/records', { records: [] });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.limit, 1);
  });

  it('refuses bad fetch parameters with 400 naming them', async () => {
    const { status, body } = await call(env.url, 'GET', '/v1/topics/guarded/partitions/0/records?maxRecords=0');
    assert.equal(status, 400);
    assert.equal(body.error.field, 'maxRecords');
    const partition = await call(env.url, 'GET', '/v1/topics/guarded/partitions/9/records');
    assert.equal(partition.status, 404);
    assert.equal(partition.body.error.code, 'PARTITION_NOT_FOUND');
  });

  it('answers API Gateway’s 404 for a route that does not exist', async () => {
    const { status } = await call(env.url, 'GET', '/v1/nothing-here');
    assert.equal(status, 404);
  });
});

describe('deleting a topic', () => {
  it('makes its records unreachable at once, lets the name be reused empty, and the stream trigger removes its partition and object ref items', async () => {
    const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: env.platform.endpoints.dynamodb, region: env.config.region }));
    const itemsOf = async (pk: string) =>
      (await ddb.send(new QueryCommand({ TableName: env.config.tables.Log, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }))).Items ?? [];
    await call(env.url, 'POST', '/v1/topics', { name: 'doomed', partitions: 2 });
    const first = await call(env.url, 'GET', '/v1/topics/doomed');
    await call(env.url, 'POST', '/v1/topics/doomed/records', { records: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] });
    const objectKeys = new Set((await itemsOf(`${first.body.topicId}#0`)).map((item) => item.objectKey).filter(Boolean));
    assert.equal(objectKeys.size, 1);
    assert.equal((await call(env.url, 'DELETE', '/v1/topics/doomed')).status, 204);
    assert.equal((await call(env.url, 'GET', '/v1/topics/doomed/partitions/0/records')).status, 404);
    assert.equal((await call(env.url, 'DELETE', '/v1/topics/doomed')).status, 404);

    await call(env.url, 'POST', '/v1/topics', { name: 'doomed', partitions: 2 });
    const fresh = await call(env.url, 'GET', '/v1/topics/doomed/partitions/0/offsets');
    assert.equal(fresh.body.highWatermark, 0);

    await env.platform.triggers.get('cleanup-deleted-topic')!.drain(30_000);
    for (const partition of [0, 1]) assert.deepEqual(await itemsOf(`${first.body.topicId}#${partition}`), []);
    for (const objectKey of objectKeys) assert.deepEqual(await itemsOf(`obj#${objectKey}`), [], 'the orphan collector may now delete the object');
  });
});
