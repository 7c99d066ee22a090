import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Caller } from '../../../lib/auth/access-control';
import { QuotaExceededError } from '../../../lib/auth/auth-errors';
import { chargeQuota, QUOTA_CACHE_MS } from '../../../lib/auth/quotas';
import type { SluiceContext } from '../../../lib/core/context';
import { OffsetOutOfRangeError, TopicNotFoundError } from '../../../lib/core/errors';
import { countsOf, RequestCounter, type RequestSnapshot } from '../../../lib/cost/request-accounting';
import { encodeBatch } from '../../../lib/format/batch-codec';
import { diffFetchReadStats, fetchReadStats } from '../../../lib/log/fetch-read-stats';
import { fetchRecords } from '../../../lib/log/fetch-records';
import { clearIndexPageCache } from '../../../lib/log/index-page-cache';
import { produce } from '../../../lib/log/produce';
import { FencedError } from '../../../lib/log/produce-errors';
import { initProducer } from '../../../lib/producers/init-producer';
import type { IncomingRecord } from '../../../lib/records/record-encoding';
import { recordSize, type LogRecord } from '../../../lib/records/log-record';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { putQuota } from '../../../lib/store/access-store';
import { createDynamoDocumentClient, createS3Client } from '../../../lib/store/aws-clients';
import { advanceLogStart, commitHeadUpdate, EMPTY_HEAD } from '../../../lib/store/partition-head-store';
import { indexItemPut } from '../../../lib/store/segment-index-store';
import { putSegmentObject } from '../../../lib/store/segment-object-store';
import { deleteTopicRecord, putNewTopic } from '../../../lib/store/topic-store';
import { transactWrite } from '../../../lib/store/transact-write';
import { createTopic } from '../../../lib/topics/topic-service';
import { TOPIC_CACHE_MS } from '../../../lib/topics/topic-repository';
import { InFlightMeter } from '../../support/in-flight';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * The storage requests produce and fetch make, counted on clients of this test's own
 * (so the platform's stream triggers and schedules are not counted), against DynamoDB
 * Local and s3rver. The calls are made as the handlers make them (quota, then the
 * operation), with ACLs off. The clock only moves when a test moves it, so the
 * per-container caches expire exactly when a test says.
 */
let env: TestPlatform;
let ctx: SluiceContext;
let counter: RequestCounter;
let clock = Date.now();
const meter = new InFlightMeter();

before(async () => {
  env = await startTestPlatform();
  const shared = contextFromEnv();
  const ddb = createDynamoDocumentClient(process.env);
  const s3 = createS3Client(process.env);
  // How many of a fetch's reads overlap: DynamoDB's (GetItem, Query) and the segment GETs.
  meter.attach(ddb, ['GetItemCommand', 'GetCommand', 'QueryCommand']).attach(s3, ['GetObjectCommand']);
  ctx = { ...shared, tables: shared.tables, bucket: shared.bucket, ddb, s3, now: () => clock };
  counter = new RequestCounter().attach(ctx.ddb).attach(ctx.s3);
});

after(async () => {
  await env?.stop();
});

beforeEach(() => {
  clock += 60_000; // every test starts with cold caches
});

const caller = (principal: string): Caller => ({
  principal,
  config: { mode: 'none', tokens: new Map(), aclsEnforced: false, admins: new Set(), defaultQuota: { produceBytesPerSecond: null, fetchBytesPerSecond: null } },
});

function records(count: number, valueBytes: number, partition = 0): IncomingRecord[] {
  return Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.alloc(valueBytes, 97 + (i % 26)), headers: [], partition }));
}

/** A produce as the handler makes it: the quota charge, then the produce. */
async function handlerProduce(topic: string, incoming: IncomingRecord[], options: Parameters<typeof produce>[3] = {}) {
  await chargeQuota(ctx, caller('anonymous'), 'produce', incoming.reduce((sum, r) => sum + recordSize({ ...r, timestamp: 0 }), 0));
  return produce(ctx, topic, incoming, { principal: 'anonymous', ...options });
}

/** A fetch as the handler makes it: the quota check, the fetch, the charge. */
async function handlerFetch(input: Parameters<typeof fetchRecords>[1]) {
  const who = caller('anonymous');
  await chargeQuota(ctx, who, 'fetch', 0);
  const result = await fetchRecords(ctx, input);
  await chargeQuota(ctx, who, 'fetch', result.records.reduce((sum, r) => sum + recordSize(r), 0));
  return result;
}

/** The requests `action` made, by operation, and what it answered. */
async function counted<T>(action: () => Promise<T>): Promise<{ result: T; requests: RequestSnapshot; ops: Record<string, number> }> {
  const before = counter.snapshot();
  const result = await action();
  const requests = counter.diff(before, counter.snapshot());
  const ops: Record<string, number> = {};
  for (const [service, operations] of Object.entries(requests.services)) for (const [name, counts] of Object.entries(operations)) ops[`${service} ${name}`] = counts.requests;
  return { result, requests, ops };
}

describe('produce round trips', () => {
  it('with no quota configured and the topic cached: 1 PutObject, 1 BatchGetItem beside it, 1 TransactWriteItems, nothing else', async () => {
    await createTopic(ctx, { name: 'rt-plain', partitions: 4, config: {} });
    await handlerProduce('rt-plain', records(1, 10)); // reads the topic and the (absent) quota into the caches
    const { ops } = await counted(() => handlerProduce('rt-plain', records(100, 10)));
    assert.deepEqual(ops, { 'DynamoDB BatchGetItem': 1, 'DynamoDB TransactWriteItems': 1, 'S3 PutObject': 1 });
  });

  it('reads the topic and the quota again once the caches are older than their TTL', async () => {
    await createTopic(ctx, { name: 'rt-ttl', partitions: 1, config: {} });
    await handlerProduce('rt-ttl', records(1, 10));
    clock += Math.max(TOPIC_CACHE_MS, QUOTA_CACHE_MS) + 1;
    const { ops } = await counted(() => handlerProduce('rt-ttl', records(1, 10)));
    assert.equal(ops['DynamoDB GetItem'], 2); // the topic and the quota setting
  });

  it('answers an exact idempotent retry from the state read beside the PUT, deletes its copy, and sends no transaction', async () => {
    await createTopic(ctx, { name: 'rt-retry', partitions: 1, config: {} });
    const { producerId, epoch } = await initProducer(ctx, {});
    const call = () => handlerProduce('rt-retry', records(3, 10), { producer: { id: producerId, epoch, sequences: { '0': 0 } } });
    const first = await call();
    const { result, ops } = await counted(call);
    assert.equal(result.duplicate, true);
    assert.deepEqual(result.records.map((r) => r.offset), first.records.map((r) => r.offset));
    assert.deepEqual(ops, { 'DynamoDB BatchGetItem': 1, 'S3 DeleteObject': 1, 'S3 PutObject': 1 });
  });

  it('deletes the object of a fenced call and commits nothing', async () => {
    await createTopic(ctx, { name: 'rt-fenced', partitions: 1, config: {} });
    const old = await initProducer(ctx, { name: 'rt-fenced-producer' });
    await initProducer(ctx, { name: 'rt-fenced-producer' }); // a newer instance: epoch + 1
    const { result, ops } = await counted(() =>
      handlerProduce('rt-fenced', records(1, 10), { producer: { id: old.producerId, epoch: old.epoch, sequences: { '0': 0 } } }).catch((e: unknown) => e),
    );
    assert.ok(result instanceof FencedError, String(result));
    assert.equal(ops['S3 PutObject'], 1);
    assert.equal(ops['S3 DeleteObject'], 1);
    assert.equal(ops['DynamoDB TransactWriteItems'], undefined);
  });

  it('writes to a topic deleted and re-created elsewhere on the next call: the commit refuses the cached id, the topic is read again', async () => {
    const old = await createTopic(ctx, { name: 'rt-recreated', partitions: 1, config: {} });
    await handlerProduce('rt-recreated', records(5, 10)); // offsets 0-4 in the old topic, which is now cached
    // Another container deletes and re-creates it (this container's cache is not told).
    await deleteTopicRecord(ctx, 'rt-recreated');
    await putNewTopic(ctx, { ...old, topicId: 'recreated-id', createdAt: clock });
    const { result, ops } = await counted(() => handlerProduce('rt-recreated', records(1, 10)));
    assert.deepEqual(result.records.map((r) => r.offset), [0]);
    assert.equal(ops['DynamoDB TransactWriteItems'], 2); // refused (old id), then committed
    assert.equal(ops['S3 DeleteObject'], 1); // the object written for the old id
    const read = await fetchRecords(ctx, { topic: 'rt-recreated', partition: 0, offset: 0, maxRecords: 10, maxBytes: 1 << 20 });
    assert.equal(read.records.length, 1);
  });

  it('answers 404 for a topic deleted elsewhere, after the commit refuses the cached id, and deletes its object', async () => {
    await createTopic(ctx, { name: 'rt-deleted', partitions: 1, config: {} });
    await handlerProduce('rt-deleted', records(1, 10));
    await deleteTopicRecord(ctx, 'rt-deleted');
    const { result, ops } = await counted(() => handlerProduce('rt-deleted', records(1, 10)).catch((e: unknown) => e));
    assert.ok(result instanceof TopicNotFoundError, String(result));
    assert.equal(ops['S3 DeleteObject'], 1);
  });
});

describe('quota settings cache', () => {
  it('makes no request for a principal without a quota while its absence is cached', async () => {
    await chargeQuota(ctx, caller('carol'), 'produce', 100);
    const { ops } = await counted(() => chargeQuota(ctx, caller('carol'), 'produce', 100));
    assert.deepEqual(ops, {});
  });

  it('applies a quota set elsewhere once the cached setting is QUOTA_CACHE_MS old, not before', async () => {
    await chargeQuota(ctx, caller('bob'), 'produce', 10); // caches "no quota"
    await putQuota(ctx, { principal: 'bob', produceBytesPerSecond: 1, fetchBytesPerSecond: null, updatedAt: clock });
    clock += QUOTA_CACHE_MS;
    await chargeQuota(ctx, caller('bob'), 'produce', 1_000_000); // still the cached absence
    clock += 1;
    await assert.rejects(chargeQuota(ctx, caller('bob'), 'produce', 1_000_000), QuotaExceededError);
  });
});

describe('fetch round trips', () => {
  const KIB = 1024;

  it('maxRecords = the batch size: 1 GetItem and 1 Query in flight together, then 1 GetObject; ≤ 1.05 S3 bytes per byte served', async () => {
    await createTopic(ctx, { name: 'rt-fetch', partitions: 1, config: {} });
    for (let i = 0; i < 3; i++) await handlerProduce('rt-fetch', records(100, KIB));
    await handlerFetch({ topic: 'rt-fetch', partition: 0, offset: 0, maxRecords: 1, maxBytes: 1 << 20 }); // warm the caches
    clearIndexPageCache(); // a fetch this container has no index page for
    meter.reset();
    const stats = fetchReadStats();
    const { result, requests, ops } = await counted(() => handlerFetch({ topic: 'rt-fetch', partition: 0, offset: 100, maxRecords: 100, maxBytes: 1 << 20 }));
    assert.deepEqual(ops, { 'DynamoDB GetItem': 1, 'DynamoDB Query': 1, 'S3 GetObject': 1 });
    assert.equal(meter.max, 2);
    assert.deepEqual([result.records[0]!.offset, result.records.at(-1)!.offset, result.nextOffset, result.highWatermark], [100, 199, 200, 300]);
    const served = result.records.reduce((sum, r) => sum + recordSize(r), 0);
    const s3Bytes = countsOf(requests, 'S3', 'GetObject').bytesReceived;
    assert.ok(s3Bytes / served <= 1.05, `${s3Bytes} S3 bytes for ${served} served`);
    const read = diffFetchReadStats(stats, fetchReadStats());
    assert.equal(read.segmentBytesRead, read.segmentBytesServed); // no batch read and thrown away
    assert.equal(read.recordBytesServed, served);
  });

  it('two batches for 200 records: 1 Query, 2 GetObjects (one per object), nothing more', async () => {
    await createTopic(ctx, { name: 'rt-fetch-two', partitions: 1, config: {} });
    for (let i = 0; i < 4; i++) await handlerProduce('rt-fetch-two', records(100, 100));
    await handlerFetch({ topic: 'rt-fetch-two', partition: 0, offset: 0, maxRecords: 1, maxBytes: 1 << 20 });
    clearIndexPageCache();
    const { result, ops } = await counted(() => handlerFetch({ topic: 'rt-fetch-two', partition: 0, offset: 0, maxRecords: 200, maxBytes: 1 << 20 }));
    assert.equal(result.records.length, 200);
    assert.deepEqual(ops, { 'DynamoDB GetItem': 1, 'DynamoDB Query': 1, 'S3 GetObject': 2 });
  });

  it('reading on in order within the index page it read, a fetch makes no Query and reads the head beside the GET', async () => {
    await createTopic(ctx, { name: 'rt-fetch-cached', partitions: 1, config: {} });
    for (let i = 0; i < 3; i++) await handlerProduce('rt-fetch-cached', records(100, KIB));
    await handlerFetch({ topic: 'rt-fetch-cached', partition: 0, offset: 0, maxRecords: 100, maxBytes: 1 << 20 });
    meter.reset();
    const { result, ops } = await counted(() => handlerFetch({ topic: 'rt-fetch-cached', partition: 0, offset: 100, maxRecords: 100, maxBytes: 1 << 20 }));
    assert.deepEqual(ops, { 'DynamoDB GetItem': 1, 'S3 GetObject': 1 });
    assert.equal(meter.max, 2);
    assert.deepEqual([result.records[0]!.offset, result.records.at(-1)!.offset, result.highWatermark], [100, 199, 300]);
  });

  it('a tailing reader that reaches the high watermark it read, with room to spare, makes no Query past it: 1 GetItem and 1 GetObject', async () => {
    await createTopic(ctx, { name: 'rt-fetch-tail', partitions: 1, config: {} });
    for (let i = 0; i < 2; i++) await handlerProduce('rt-fetch-tail', records(1, KIB));
    await handlerFetch({ topic: 'rt-fetch-tail', partition: 0, offset: 0, maxRecords: 1, maxBytes: 1 << 20 }); // caches the page of both
    const { result, ops } = await counted(() => handlerFetch({ topic: 'rt-fetch-tail', partition: 0, offset: 1, maxRecords: 1_000, maxBytes: 1 << 20 }));
    assert.deepEqual(ops, { 'DynamoDB GetItem': 1, 'S3 GetObject': 1 });
    assert.deepEqual([result.records.map((r) => r.offset), result.nextOffset, result.highWatermark], [[1], 2, 2]);
  });

  it('answers out of range from the head when retention moved the log start past a cached index entry', async () => {
    const topic = await createTopic(ctx, { name: 'rt-fetch-cached-released', partitions: 1, config: {} });
    for (let i = 0; i < 2; i++) await handlerProduce('rt-fetch-cached-released', records(10, KIB));
    await handlerFetch({ topic: 'rt-fetch-cached-released', partition: 0, offset: 0, maxRecords: 1, maxBytes: 1 << 20 });
    assert.equal((await advanceLogStart(ctx, topic.topicId, 0, 10)).kind, 'advanced');
    await assert.rejects(handlerFetch({ topic: 'rt-fetch-cached-released', partition: 0, offset: 0, maxRecords: 10, maxBytes: 1 << 20 }), OffsetOutOfRangeError);
  });

  it('answers the first batch to its end though it passes maxBytes, as Kafka does, so no batch is read twice', async () => {
    await createTopic(ctx, { name: 'rt-fetch-first', partitions: 1, config: {} });
    for (let i = 0; i < 2; i++) await handlerProduce('rt-fetch-first', records(10, KIB));
    await handlerFetch({ topic: 'rt-fetch-first', partition: 0, offset: 0, maxRecords: 1, maxBytes: 1 << 20 });
    const { result, ops } = await counted(() => handlerFetch({ topic: 'rt-fetch-first', partition: 0, offset: 3, maxRecords: 1000, maxBytes: 2 * KIB }));
    assert.deepEqual(result.records.map((r) => r.offset), [3, 4, 5, 6, 7, 8, 9]);
    assert.equal(result.nextOffset, 10);
    assert.equal(ops['S3 GetObject'], 1);
  });

  it('does not read a later batch when all of it does not fit in maxBytes', async () => {
    await createTopic(ctx, { name: 'rt-fetch-bytes', partitions: 1, config: {} });
    for (let i = 0; i < 3; i++) await handlerProduce('rt-fetch-bytes', records(10, KIB));
    await handlerFetch({ topic: 'rt-fetch-bytes', partition: 0, offset: 0, maxRecords: 1, maxBytes: 1 << 20 });
    const { result, ops } = await counted(() => handlerFetch({ topic: 'rt-fetch-bytes', partition: 0, offset: 0, maxRecords: 1000, maxBytes: 20 * KIB + KIB - 1 }));
    assert.equal(result.records.length, 20);
    assert.equal(ops['S3 GetObject'], 2);
  });

  it('reads adjacent batches of one object with one ranged GET', async () => {
    const topic = await createTopic(ctx, { name: 'rt-one-object', partitions: 1, config: {} });
    // One object holding three batches of partition 0 back to back, committed one after another.
    const value = (i: number): LogRecord => ({ key: null, value: Buffer.from(`record-${i}`), headers: [], timestamp: clock });
    const encoded = [0, 1, 2].map((b) => encodeBatch([0, 1, 2, 3].map((i) => value(b * 4 + i))));
    const objectKey = `seg/00/${clock}-rt-one-object.slc`;
    await putSegmentObject(ctx, objectKey, Buffer.concat(encoded));
    let byteStart = 0;
    for (const [b, bytes] of encoded.entries()) {
      const head = b === 0 ? undefined : { ...EMPTY_HEAD, nextOffset: b * 4 };
      const entry = { baseOffset: b * 4, lastOffset: b * 4 + 3, recordCount: 4, objectKey, byteStart, byteLength: bytes.byteLength, firstTimestamp: clock, maxTimestamp: clock, committedAt: clock };
      const written = await transactWrite(ctx, [
        ['head', commitHeadUpdate(ctx, topic, 0, head, { nextOffset: b * 4 + 4, maxTimestamp: clock, updatedAt: clock, bytesTotal: byteStart + bytes.byteLength })],
        ['index', indexItemPut(ctx, topic.topicId, 0, { ...entry, recordBytes: 4 * 8, firstRecordBytes: 8 }, clock)],
      ]);
      assert.equal(written, undefined);
      byteStart += bytes.byteLength;
    }
    await handlerFetch({ topic: 'rt-one-object', partition: 0, offset: 0, maxRecords: 1, maxBytes: 1 << 20 });
    const { result, ops } = await counted(() => handlerFetch({ topic: 'rt-one-object', partition: 0, offset: 0, maxRecords: 12, maxBytes: 1 << 20 }));
    assert.deepEqual(result.records.map((r) => Buffer.from(r.value!).toString()), Array.from({ length: 12 }, (_, i) => `record-${i}`));
    // The page the first fetch read holds all three batches, and the third ends at the high watermark: no Query.
    assert.deepEqual(ops, { 'DynamoDB GetItem': 1, 'S3 GetObject': 1 });
  });

  it('serves a topic deleted elsewhere from the cached topic for up to TOPIC_CACHE_MS, then answers 404', async () => {
    await createTopic(ctx, { name: 'rt-fetch-deleted', partitions: 1, config: {} });
    await handlerProduce('rt-fetch-deleted', records(2, 10));
    const read = () => fetchRecords(ctx, { topic: 'rt-fetch-deleted', partition: 0, offset: 0, maxRecords: 10, maxBytes: 1 << 20 });
    await read();
    await deleteTopicRecord(ctx, 'rt-fetch-deleted'); // elsewhere: this container's cache is not told
    clock += TOPIC_CACHE_MS;
    assert.equal((await read()).records.length, 2);
    clock += 1;
    await assert.rejects(read(), TopicNotFoundError);
  });
});
