import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand, DeleteObjectsCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { collectOrphanObjects, ORPHAN_GRACE_MS } from '../../../lib/gc/collect-orphan-objects';
import { countsOf, RequestCounter } from '../../../lib/cost/request-accounting';
import { enforceRetention, FULL_SWEEP_INTERVAL_MS, type EnforceRetentionOptions, type RetentionEnforcement } from '../../../lib/retention/enforce-retention';
import { DEFAULT_RETENTION_MS } from '../../../lib/retention/retention-settings';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { fromObjectRefItem, objectRefKey, type ObjectRef } from '../../../lib/store/object-ref-store';
import { createDynamoDocumentClient } from '../../../lib/store/aws-clients';
import { advanceLogStart, headKey, readHead } from '../../../lib/store/partition-head-store';
import { topicKey } from '../../../lib/store/topic-item';
import { partitionKey } from '../../../lib/store/partition-key';
import { fromIndexItem, type SegmentIndexEntry } from '../../../lib/store/segment-index-store';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Time-based retention against the real local platform (DynamoDB Local and s3rver
 * through the SDK): records are produced over HTTP with explicit CreateTime timestamps,
 * retention runs with a chosen clock, and what readers, the ref items and the orphan
 * collector see afterwards is checked. Every run covers every topic of the platform, so
 * each test looks at its own topics only.
 */
let env: TestPlatform;
let ctx: SluiceContext;

const HOUR = 3_600_000;
/** When the tests' records are "new"; old ones are hours before it. */
const T = Date.now();

before(async () => {
  env = await startTestPlatform();
  ctx = { ...contextFromEnv(), sleep: async () => undefined };
});

after(async () => {
  await env?.stop();
});

const at = (now: number): SluiceContext => ({ ...ctx, tables: ctx.tables, now: () => now });
const enforce = (now: number, options: Partial<EnforceRetentionOptions> = {}): Promise<RetentionEnforcement> =>
  enforceRetention(at(now), { defaultRetentionMs: DEFAULT_RETENTION_MS, ...options });
const trimmedOf = (result: RetentionEnforcement, topic: string) =>
  result.trimmed.filter((trim) => trim.topic === topic).sort((a, b) => a.partition - b.partition);

async function createTopic(name: string, partitions: number, config: Record<string, string> = {}): Promise<string> {
  const created = await call(env.url, 'POST', '/v1/topics', { name, partitions, config });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.topicId as string;
}

/** One produce call (one object): `[partition, timestamp, value]` per record. */
async function produce(topic: string, records: [number, number, string][]): Promise<void> {
  const produced = await call(env.url, 'POST', `/v1/topics/${topic}/records`, {
    records: records.map(([partition, timestamp, value]) => ({ partition, timestamp, value })),
  });
  assert.equal(produced.status, 200, JSON.stringify(produced.body));
}

async function indexEntries(topicId: string, partition: number): Promise<SegmentIndexEntry[]> {
  const { Items } = await ctx.ddb.send(
    new QueryCommand({
      TableName: ctx.tables.log,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
      ExpressionAttributeValues: { ':pk': partitionKey(topicId, partition), ':o': 'o#' },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).map(fromIndexItem);
}

async function refOf(objectKey: string): Promise<ObjectRef | undefined> {
  const { Item } = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.log, Key: objectRefKey(objectKey), ConsistentRead: true }));
  return fromObjectRefItem(Item);
}

const logStarts = async (topicId: string, partitions: number) =>
  Promise.all(Array.from({ length: partitions }, async (_, p) => (await readHead(ctx, topicId, p)).logStartOffset));

async function objectExists(key: string): Promise<boolean> {
  try {
    await ctx.s3.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

/**
 * The reference-count invariant: every object some index item of the topic still points
 * at has a ref item counting exactly those index items, and each of `released` has none.
 */
async function assertRefCounts(topicId: string, partitions: number, released: readonly string[]): Promise<void> {
  const pointing = new Map<string, number>();
  for (let p = 0; p < partitions; p++) {
    for (const entry of await indexEntries(topicId, p)) pointing.set(entry.objectKey, (pointing.get(entry.objectKey) ?? 0) + 1);
  }
  for (const [objectKey, count] of pointing) assert.equal((await refOf(objectKey))?.batchCount, count, `ref of ${objectKey}`);
  for (const objectKey of released) {
    assert.equal(pointing.has(objectKey), false, `${objectKey} is still indexed`);
    assert.equal(await refOf(objectKey), undefined, `${objectKey} still has a ref item`);
  }
}

const fetchHttp = (topic: string, partition: number, offset: number) =>
  call(env.url, 'GET', `/v1/topics/${topic}/partitions/${partition}/records?offset=${offset}&encoding=utf8`);

describe('enforceRetention', () => {
  it('moves each partition to its first kept batch, releases the rest, and deletes only fully expired objects', async () => {
    const topicId = await createTopic('ret-main', 2, { 'retention.ms': String(HOUR) });
    const old = T - 3 * HOUR;
    await produce('ret-main', [[0, old, 'a0'], [0, old + 1, 'a1'], [1, old, 'b0']]); // both batches expire
    await produce('ret-main', [[0, old + 2, 'a2'], [1, T, 'b1'], [1, T + 1, 'b2']]); // p0 expires, p1 is kept
    await produce('ret-main', [[0, T, 'a3']]);
    const [p0, p1] = [await indexEntries(topicId, 0), await indexEntries(topicId, 1)];
    const expiredObject = p0[0]!.objectKey;
    const mixedObject = p0[1]!.objectKey;
    const keptObject = p0[2]!.objectKey;
    assert.equal(p1[0]!.objectKey, expiredObject);
    assert.equal(p1[1]!.objectKey, mixedObject);

    const result = await enforce(T + 1000);
    assert.deepEqual(trimmedOf(result, 'ret-main'), [
      { topic: 'ret-main', partition: 0, from: 0, to: 3 },
      { topic: 'ret-main', partition: 1, from: 0, to: 1 },
    ]);
    assert.equal(result.failures, 0);
    assert.deepEqual(await logStarts(topicId, 2), [3, 1]);
    // Only the object all of whose batches expired is deleted, at once; the others stay.
    assert.equal(result.objectsDeleted, 1);
    assert.equal(await objectExists(expiredObject), false);
    assert.equal(await objectExists(mixedObject), true);
    assert.equal(await objectExists(keptObject), true);

    // Readers: below the log start is out of range, with the new range; from it, exactly the kept records.
    const below = await fetchHttp('ret-main', 0, 0);
    assert.equal(below.status, 416);
    assert.equal(below.body.error.code, 'OFFSET_OUT_OF_RANGE');
    assert.equal(below.body.error.logStartOffset, 3);
    assert.equal(below.body.error.highWatermark, 4);
    assert.equal((await fetchHttp('ret-main', 1, 0)).body.error.logStartOffset, 1);
    const kept0 = await fetchHttp('ret-main', 0, 3);
    assert.deepEqual(kept0.body.records.map((r: { offset: number; value: string }) => [r.offset, r.value]), [[3, 'a3']]);
    const kept1 = await fetchHttp('ret-main', 1, 1);
    assert.deepEqual(kept1.body.records.map((r: { offset: number; value: string }) => [r.offset, r.value]), [[1, 'b1'], [2, 'b2']]);
    const offsets = await call(env.url, 'GET', '/v1/topics/ret-main/offsets');
    // Both partitions still hold records, so bytes; how many depends on batch framing.
    assert.ok(offsets.body.partitions.every((p: { storedBytes?: number }) => (p.storedBytes ?? 0) > 0), JSON.stringify(offsets.body.partitions));
    assert.deepEqual(offsets.body.partitions.map(({ storedBytes: _bytes, ...range }: { storedBytes?: number }) => range), [
      { partition: 0, logStartOffset: 3, highWatermark: 4 },
      { partition: 1, logStartOffset: 1, highWatermark: 3 },
    ]);

    // Storage: the released index items are gone; the fully expired object has no ref item, the others count what is left.
    assert.deepEqual((await indexEntries(topicId, 0)).map((e) => e.baseOffset), [3]);
    assert.deepEqual((await indexEntries(topicId, 1)).map((e) => e.baseOffset), [1]);
    await assertRefCounts(topicId, 2, [expiredObject]);
    assert.equal((await refOf(mixedObject))?.batchCount, 1);
    assert.equal((await refOf(keptObject))?.batchCount, 1);

    // A rerun releases nothing more and counts nothing off twice.
    const rerun = await enforce(T + 2000);
    assert.deepEqual(trimmedOf(rerun, 'ret-main'), []);
    assert.equal(rerun.batchesReleased, 0);
    assert.equal(rerun.objectsReleased, 0);
    await assertRefCounts(topicId, 2, [expiredObject]);

    // A clock behind (an earlier cutoff would keep everything) never moves the log start back.
    const behind = await enforce(T - 2 * HOUR);
    assert.deepEqual(trimmedOf(behind, 'ret-main'), []);
    assert.deepEqual(await logStarts(topicId, 2), [3, 1]);

    // The orphan collector, past its grace, finds nothing more to delete: every object left is referenced.
    const collection = await collectOrphanObjects(at(Date.now() + ORPHAN_GRACE_MS + 60_000));
    assert.equal(collection.deleted.includes(mixedObject) || collection.deleted.includes(keptObject), false);
    assert.equal(await objectExists(mixedObject), true);
    assert.equal(await objectExists(keptObject), true);
    assert.deepEqual((await fetchHttp('ret-main', 1, 1)).body.records.length, 2);
  });

  it('moves the log start to the high watermark when every batch expired, and keeps it there as new records arrive', async () => {
    const topicId = await createTopic('ret-all-old', 1, { 'retention.ms': String(HOUR) });
    await produce('ret-all-old', [[0, T - 5 * HOUR, 'x']]);
    await produce('ret-all-old', [[0, T - 4 * HOUR, 'y'], [0, T - 4 * HOUR, 'z']]);
    const objects = (await indexEntries(topicId, 0)).map((e) => e.objectKey);
    const result = await enforce(T);
    assert.deepEqual(trimmedOf(result, 'ret-all-old'), [{ topic: 'ret-all-old', partition: 0, from: 0, to: 3 }]);
    assert.deepEqual(await indexEntries(topicId, 0), []);
    await assertRefCounts(topicId, 1, objects);
    const atEnd = await fetchHttp('ret-all-old', 0, 3);
    assert.equal(atEnd.status, 200);
    assert.deepEqual(atEnd.body.records, []);
    assert.equal((await fetchHttp('ret-all-old', 0, 2)).status, 416);

    assert.equal((await readHead(ctx, topicId, 0)).retentionFrom, undefined, 'an empty log leaves the due index');

    await produce('ret-all-old', [[0, T, 'fresh']]);
    assert.equal((await readHead(ctx, topicId, 0)).retentionFrom, T, 'the first commit to an empty log marks it due from its batch');
    assert.deepEqual((await fetchHttp('ret-all-old', 0, 3)).body.records.map((r: { value: string }) => r.value), ['fresh']);
    await enforce(T + 1000);
    assert.deepEqual(await logStarts(topicId, 1), [3]);
  });

  it('keeps everything of a topic with retention.ms -1', async () => {
    const topicId = await createTopic('ret-forever', 2, { 'retention.ms': '-1' });
    await produce('ret-forever', [[0, 1, 'ancient'], [1, 2, 'ancient']]);
    await produce('ret-forever', [[0, T - 1000 * HOUR, 'old']]);
    const result = await enforce(T, { defaultRetentionMs: HOUR });
    assert.deepEqual(trimmedOf(result, 'ret-forever'), []);
    assert.deepEqual(await logStarts(topicId, 2), [0, 0]);
    assert.equal((await indexEntries(topicId, 0)).length, 2);
    assert.deepEqual((await fetchHttp('ret-forever', 0, 0)).body.records.map((r: { value: string }) => r.value), ['ancient', 'old']);
  });

  it('applies the platform default to topics without retention.ms, and keeps everything when the default is -1', async () => {
    const topicId = await createTopic('ret-default', 1);
    await produce('ret-default', [[0, T - 3 * HOUR, 'old']]);
    await produce('ret-default', [[0, T - 10 * 60_000, 'recent']]);
    assert.deepEqual(trimmedOf(await enforce(T, { defaultRetentionMs: -1 }), 'ret-default'), []);
    assert.deepEqual(trimmedOf(await enforce(T), 'ret-default'), [], 'nothing is 7 days old');
    assert.deepEqual(trimmedOf(await enforce(T, { defaultRetentionMs: 2 * HOUR }), 'ret-default'), [{ topic: 'ret-default', partition: 0, from: 0, to: 1 }]);
    assert.deepEqual((await fetchHttp('ret-default', 0, 1)).body.records.map((r: { value: string }) => r.value), ['recent']);
    assert.deepEqual(await logStarts(topicId, 1), [1]);
  });

  it('keeps a batch whose own records are old when an earlier batch had a later timestamp (the running maximum, as Kafka)', async () => {
    await createTopic('ret-out-of-order', 1, { 'retention.ms': String(HOUR) });
    await produce('ret-out-of-order', [[0, T - 5 * HOUR, 'old']]);
    await produce('ret-out-of-order', [[0, T, 'new']]);
    await produce('ret-out-of-order', [[0, T - 5 * HOUR, 'late but old']]);
    assert.deepEqual(trimmedOf(await enforce(T), 'ret-out-of-order'), [{ topic: 'ret-out-of-order', partition: 0, from: 0, to: 1 }]);
    assert.deepEqual((await fetchHttp('ret-out-of-order', 0, 1)).body.records.map((r: { value: string }) => r.value), ['new', 'late but old']);
  });

  it('releases every batch exactly once when runs overlap each other and producers', async () => {
    const topicId = await createTopic('ret-concurrent', 3, { 'retention.ms': String(HOUR) });
    const old = T - 2 * HOUR;
    for (let i = 0; i < 12; i++) {
      // Objects spanning one, two or three partitions.
      const partitions = [0, 1, 2].slice(0, 1 + (i % 3));
      await produce('ret-concurrent', partitions.map((p) => [p, old + i, `old-${i}-${p}`] as [number, number, string]));
    }
    const expired = new Set<string>();
    let indexItems = 0;
    for (let p = 0; p < 3; p++) {
      for (const entry of await indexEntries(topicId, p)) {
        expired.add(entry.objectKey);
        indexItems++;
      }
    }
    const runs = await Promise.all([
      enforce(T),
      enforce(T),
      enforce(T + 5),
      (async () => {
        for (let i = 0; i < 4; i++) await produce('ret-concurrent', [[i % 3, T + i, `new-${i}`]]);
        return undefined;
      })(),
    ]);
    const results = runs.filter((run): run is RetentionEnforcement => run !== undefined);
    assert.equal(results.reduce((sum, run) => sum + run.failures, 0), 0);
    // Each index item is deleted by exactly one run, each object retired by at least one (a retiring rerun is harmless).
    const released = results.reduce((sum, run) => sum + run.batchesReleased, 0);
    assert.ok(released >= indexItems, `${released} of ${indexItems} released`);
    await enforce(T + 10);
    await assertRefCounts(topicId, 3, [...expired]);
    for (let p = 0; p < 3; p++) {
      const head = await readHead(ctx, topicId, p);
      const kept = await fetchHttp('ret-concurrent', p, head.logStartOffset);
      assert.ok(kept.body.records.every((r: { value: string }) => r.value.startsWith('new-')), JSON.stringify(kept.body.records));
      assert.equal(kept.body.records.length, head.nextOffset - head.logStartOffset);
    }
  });

  it('answers offsets-for-times with the first kept record for a time inside the released range, never an error', async () => {
    await createTopic('ret-times', 1, { 'retention.ms': String(HOUR) });
    const old = T - 3 * HOUR;
    await produce('ret-times', [[0, old, 'o0'], [0, old + 10, 'o1']]);
    await produce('ret-times', [[0, T - 10, 'k0'], [0, T + 10, 'k1']]);
    await enforce(T);
    const answer = (at: number) => call(env.url, 'GET', `/v1/topics/ret-times/partitions/0/offsets?timestamp=${at}`);
    // The first batch reaching old + 5 was released with its object: the answer is the first kept record at or past it.
    const inReleased = await answer(old + 5);
    assert.equal(inReleased.status, 200, JSON.stringify(inReleased.body));
    assert.deepEqual([inReleased.body.offset, inReleased.body.logStartOffset], [2, 2]);
    // Inside the kept range it is exact, as before.
    assert.equal((await answer(T)).body.offset, 3);
    assert.equal((await answer(T + 11)).body.offset, null);
  });

  it('answers offsets-for-times from the kept records while a run has moved the log start but not yet released the batches below it', async () => {
    const topicId = await createTopic('ret-times-window', 1, { 'retention.ms': String(HOUR) });
    const old = T - 3 * HOUR;
    await produce('ret-times-window', [[0, old, 'o0'], [0, old + 10, 'o1']]);
    await produce('ret-times-window', [[0, T - 10, 'k0'], [0, T + 10, 'k1']]);
    const [released] = await indexEntries(topicId, 0);
    // Step 1 of a run only: the head moves; the old batch's index item and object are still there.
    assert.deepEqual(await advanceLogStart(ctx, topicId, 0, 2), { kind: 'advanced' });
    const answer = async () => (await call(env.url, 'GET', `/v1/topics/ret-times-window/partitions/0/offsets?timestamp=${old + 5}`)).body;
    assert.deepEqual([(await answer()).offset, (await answer()).logStartOffset], [2, 2]);
    // And once its object is deleted too (the index item still there).
    await ctx.s3.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: released!.objectKey }));
    assert.equal((await answer()).offset, 2);
    // The next run finishes the release (deleting an object already gone is no error).
    assert.equal((await enforce(T)).failures, 0);
    assert.deepEqual((await indexEntries(topicId, 0)).map((e) => e.baseOffset), [2]);
  });

  it('finishes after a run that stopped between deleting a ref item and deleting the object', async () => {
    const topicId = await createTopic('ret-crash', 1, { 'retention.ms': String(HOUR) });
    await produce('ret-crash', [[0, T - 2 * HOUR, 'old']]);
    await produce('ret-crash', [[0, T, 'new']]);
    const [expired] = await indexEntries(topicId, 0);

    // The object delete fails: the ref item is gone, the index item and the object are still there.
    const failing = Object.create(ctx.s3) as typeof ctx.s3;
    failing.send = (async (command: unknown) => {
      if (command instanceof DeleteObjectsCommand) throw new Error('crashed before the object delete');
      return ctx.s3.send(command as never);
    }) as typeof ctx.s3.send;
    const crashed = await enforceRetention({ ...at(T), s3: failing }, { defaultRetentionMs: DEFAULT_RETENTION_MS });
    assert.equal(crashed.failures, 1);
    assert.equal(crashed.objectsDeleted, 0);
    assert.equal(await refOf(expired!.objectKey), undefined);
    assert.equal((await indexEntries(topicId, 0)).length, 2, 'the index item stays until the object is deleted');
    assert.equal(await objectExists(expired!.objectKey), true);

    // The partition stayed due (its mark moves only after a clean release): the index alone brings the next run back to it.
    const rerun = await enforce(T + 1000, { fullSweep: false });
    assert.equal(rerun.failures, 0);
    assert.deepEqual(trimmedOf(rerun, 'ret-crash'), []);
    assert.equal(rerun.objectsDeleted, 1);
    assert.equal(await objectExists(expired!.objectKey), false);
    assert.deepEqual((await indexEntries(topicId, 0)).map((e) => e.baseOffset), [1]);
    await assertRefCounts(topicId, 1, [expired!.objectKey]);
  });
});

describe('enforceRetention looks only at partitions with something to expire', () => {
  /** Every DynamoDB request a run sends through `client`, as its operation name and input. */
  function recordRequests(client: SluiceContext['ddb']): { operation: string; input: string }[] {
    const seen: { operation: string; input: string }[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        seen.push({ operation: String(context.commandName), input: JSON.stringify(args.input) });
        return next(args);
      },
      { step: 'initialize', name: 'recordRetentionRequests' },
    );
    return seen;
  }

  it('makes requests for the one due partition only, not for 100 idle written partitions', async () => {
    const idle = await createTopic('ret-idle-100', 100, { 'retention.ms': String(HOUR) });
    for (let from = 0; from < 100; from += 25) {
      await produce('ret-idle-100', Array.from({ length: 25 }, (_, i) => [from + i, T, `idle-${from + i}`] as [number, number, string]));
    }
    const due = await createTopic('ret-one-due', 1, { 'retention.ms': String(HOUR) });
    await produce('ret-one-due', [[0, T - 2 * HOUR, 'old']]);
    await produce('ret-one-due', [[0, T, 'new']]);

    // A client of its own, so that only this run's requests are seen (not the platform's background work).
    const ddb = createDynamoDocumentClient(process.env);
    const requests = recordRequests(ddb);
    const counter = new RequestCounter().attach(ddb);
    const result = await enforceRetention({ ...at(T + 1000), ddb }, { defaultRetentionMs: DEFAULT_RETENTION_MS, fullSweep: false });
    assert.deepEqual(trimmedOf(result, 'ret-one-due'), [{ topic: 'ret-one-due', partition: 0, from: 0, to: 1 }]);
    assert.deepEqual(trimmedOf(result, 'ret-idle-100'), []);

    // The idle topic costs the run one Query of the byRetention index, which answers nothing; no head of it is read or written.
    const naming = (text: string) => requests.filter((request) => request.input.includes(text));
    assert.deepEqual(
      naming(idle).map((request) => [request.operation, JSON.parse(request.input).IndexName]),
      [['QueryCommand', 'byRetention']],
    );
    // The due partition: its index Query, its head, its byTime Query, the log start's move, the release, the new mark.
    assert.ok(naming(`${due}#0`).length >= 5, JSON.stringify(naming(`${due}#0`)));
    // Head reads across the whole run name only due partitions: no topic's 100 heads are read.
    const snapshot = counter.snapshot();
    assert.ok(countsOf(snapshot, 'DynamoDB', 'BatchGetItem').items < 100, JSON.stringify(countsOf(snapshot, 'DynamoDB', 'BatchGetItem')));
    assert.equal(countsOf(snapshot, 'DynamoDB', 'Scan').requests, 1, 'one Scan of the Topics table');
    assert.deepEqual(await logStarts(due, 1), [1]);
    assert.equal((await readHead(ctx, due, 0)).retentionFrom, T, 'the mark moved to the first kept batch');
  });

  it('honours a shorter retention.ms, or a shorter platform default, at the next run', async () => {
    const own = await createTopic('ret-changed', 1, { 'retention.ms': String(24 * HOUR) });
    await createTopic('ret-changed-default', 1);
    for (const topic of ['ret-changed', 'ret-changed-default']) {
      await produce(topic, [[0, T - 3 * HOUR, 'three hours old']]);
      await produce(topic, [[0, T, 'new']]);
    }
    const first = await enforce(T, { fullSweep: false });
    assert.deepEqual([...trimmedOf(first, 'ret-changed'), ...trimmedOf(first, 'ret-changed-default')], []);

    // retention.ms changed on the topic item (as an operator or a later config API would): the mark does not depend on it.
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.topics,
        Key: topicKey('ret-changed'),
        UpdateExpression: 'SET config = :config',
        ExpressionAttributeValues: { ':config': { 'retention.ms': String(HOUR) } },
      }),
    );
    const next = await enforce(T + 1000, { fullSweep: false, defaultRetentionMs: 2 * HOUR });
    assert.deepEqual(trimmedOf(next, 'ret-changed'), [{ topic: 'ret-changed', partition: 0, from: 0, to: 1 }]);
    assert.deepEqual(trimmedOf(next, 'ret-changed-default'), [{ topic: 'ret-changed-default', partition: 0, from: 0, to: 1 }]);
    assert.deepEqual(await logStarts(own, 1), [1]);
  });

  it('takes on a non-empty partition without a mark (written before marks existed) in the daily full sweep only', async () => {
    const topicId = await createTopic('ret-unmarked', 1, { 'retention.ms': String(HOUR) });
    await produce('ret-unmarked', [[0, T - 2 * HOUR, 'old']]);
    await produce('ret-unmarked', [[0, T, 'new']]);
    await ctx.ddb.send(new UpdateCommand({ TableName: ctx.tables.log, Key: headKey(topicId, 0), UpdateExpression: 'REMOVE retentionFrom, retentionTopicId' }));

    assert.deepEqual(trimmedOf(await enforce(T, { fullSweep: false }), 'ret-unmarked'), []);
    const swept = await enforce(T, { fullSweep: true });
    assert.equal(swept.fullSweep, true);
    assert.deepEqual(trimmedOf(swept, 'ret-unmarked'), [{ topic: 'ret-unmarked', partition: 0, from: 0, to: 1 }]);
    assert.equal((await readHead(ctx, topicId, 0)).retentionFrom, T, 'marked, so later runs find it through the index');
  });

  it('sweeps every head once a full-sweep interval has passed since the last complete sweep', async () => {
    const later = T + 30 * 24 * HOUR;
    assert.equal((await enforce(later)).fullSweep, true);
    assert.equal((await enforce(later + 5 * 60_000)).fullSweep, false);
    assert.equal((await enforce(later + FULL_SWEEP_INTERVAL_MS)).fullSweep, true);
  });
});

describe('the enforce-retention schedule', () => {
  it("runs under the local platform with Kafka's 7-day default and the topics' own retention.ms", async () => {
    const byDefault = await createTopic('sched-default', 1);
    const own = await createTopic('sched-own', 1, { 'retention.ms': String(HOUR) });
    const now = Date.now();
    await produce('sched-default', [[0, now - 8 * 24 * HOUR, 'eight days old']]);
    await produce('sched-default', [[0, now - 6 * 24 * HOUR, 'six days old']]);
    await produce('sched-own', [[0, now - 2 * HOUR, 'two hours old']]);
    await produce('sched-own', [[0, now, 'new']]);
    const summary = (await env.platform.schedules.runNow('enforce-retention')) as Record<string, unknown>;
    assert.equal(summary.defaultRetentionMs, DEFAULT_RETENTION_MS);
    assert.equal(summary.failures, 0);
    assert.equal(summary.complete, true);
    assert.deepEqual(await logStarts(byDefault, 1), [1]);
    assert.deepEqual(await logStarts(own, 1), [1]);
  });

  it('refuses a retention.ms it cannot enforce with a 400 naming the key', async () => {
    const refused = await call(env.url, 'POST', '/v1/topics', { name: 'ret-bad', config: { 'retention.ms': '7d' } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.field, 'config.retention.ms');
    assert.equal((await call(env.url, 'GET', '/v1/topics/ret-bad')).status, 404);
  });
});
