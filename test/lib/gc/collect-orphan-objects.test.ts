import { s3rverCanPaginate } from '../../../infra/local/emulators/s3-server';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/context';
import { collectOrphanObjects, ORPHAN_GRACE_MS, SEGMENT_LIST_PREFIX, type OrphanCollection } from '../../../lib/gc/collect-orphan-objects';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { segmentObjectKey } from '../../../lib/storage/object-keys';
import { toObjectRefItem } from '../../../lib/storage/object-ref-item';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * The orphan collector against DynamoDB Local and s3rver, with real SDK clients.
 * Each test gets its own bucket, so counts are exact; ref items share the platform's
 * Log table, keyed by object keys no other test uses. The collector's clock is
 * injected: s3rver stamps LastModified with the real time, so "an hour from now"
 * makes objects written now old.
 *
 * s3rver's DeleteObjects deletes its keys concurrently and then removes emptied
 * directories, racing with itself: a call that empties a `seg/<xx>/` directory
 * holding two or more of its keys fails with InternalError (S3 has no directories).
 * So tests that delete several objects pick their prefixes and keep a surviving
 * object in every directory they delete from.
 */
let env: TestPlatform;
let s3: S3Client;
let ddb: DynamoDBDocumentClient;
let buckets = 0;

const MINUTE = 60_000;

before(async () => {
  env = await startTestPlatform();
  const region = env.config.region;
  s3 = new S3Client({ region, endpoint: env.platform.endpoints.s3, forcePathStyle: true });
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region, endpoint: env.platform.endpoints.dynamodb }));
});

after(async () => {
  s3?.destroy();
  ddb?.destroy();
  await env?.stop();
});

/** A context on a fresh bucket whose clock says `now`. */
async function gcContext(now: number): Promise<SluiceContext> {
  const bucket = `gc-test-${++buckets}-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  // Table names from the platform's environment; clients, bucket and clock our own.
  return { ...contextFromEnv(), ddb, s3, bucket, now: () => now, sleep: async () => undefined };
}

/** Writes a segment object whose key says it was written at `writtenAt`, under `seg/<prefix>/` (random by default). */
async function putSegment(ctx: SluiceContext, writtenAt: number, prefix?: number): Promise<string> {
  const id = randomUUID();
  const key = segmentObjectKey(prefix === undefined ? id : prefix.toString(16).padStart(2, '0') + id.slice(2), writtenAt);
  await putObject(ctx, key);
  return key;
}

async function putObject(ctx: SluiceContext, key: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: key, Body: 'segment bytes' }));
}

/** The ref item a commit writes for the object, written here without a commit. */
async function commitRef(ctx: SluiceContext, objectKey: string): Promise<void> {
  await ddb.send(new PutCommand({ TableName: ctx.tables.log, Item: toObjectRefItem({ objectKey, committedAt: ctx.now(), batchCount: 1 }) }));
}

async function keysIn(ctx: SluiceContext): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: ctx.bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((object) => object.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

/** Runs `work` over `items`, `limit` at a time. */
async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

function summary(overrides: Partial<OrphanCollection>): OrphanCollection {
  return { scanned: 0, deleted: [], keptYoung: 0, keptReferenced: 0, skippedUnknownKeys: 0, failed: [], complete: true, ...overrides };
}

describe('collectOrphanObjects', () => {
  it('lists the prefix that segment keys are written under', () => {
    assert.ok(segmentObjectKey(randomUUID(), Date.now()).startsWith(SEGMENT_LIST_PREFIX));
  });

  it('deletes an object older than the grace period that has no ref item', async () => {
    const ctx = await gcContext(Date.now() + 60 * MINUTE);
    const orphan = await putSegment(ctx, Date.now() - 60 * MINUTE);

    const result = await collectOrphanObjects(ctx);

    assert.deepEqual(result, summary({ scanned: 1, deleted: [orphan] }));
    assert.deepEqual(await keysIn(ctx), []);
  });

  it('keeps an object older than the grace period that has a ref item', async () => {
    const ctx = await gcContext(Date.now() + 60 * MINUTE);
    const committed = await putSegment(ctx, Date.now() - 60 * MINUTE);
    await commitRef(ctx, committed);

    const result = await collectOrphanObjects(ctx);

    assert.deepEqual(result, summary({ scanned: 1, keptReferenced: 1 }));
    assert.deepEqual(await keysIn(ctx), [committed]);
  });

  it('keeps an orphan whose key time is within the grace period', async () => {
    const now = Date.now() + 60 * MINUTE;
    const ctx = await gcContext(now);
    const young = await putSegment(ctx, now - ORPHAN_GRACE_MS + MINUTE);

    const result = await collectOrphanObjects(ctx);

    assert.deepEqual(result, summary({ scanned: 1, keptYoung: 1 }));
    assert.deepEqual(await keysIn(ctx), [young]);
  });

  it('keeps an orphan whose key looks old when S3 stored it within the grace period', async () => {
    // The key's time comes from the producer's clock; LastModified (now) is later, and wins.
    const ctx = await gcContext(Date.now() + MINUTE);
    const young = await putSegment(ctx, Date.now() - 60 * MINUTE);

    const result = await collectOrphanObjects(ctx);

    assert.deepEqual(result, summary({ scanned: 1, keptYoung: 1 }));
    assert.deepEqual(await keysIn(ctx), [young]);
  });

  it('never lists or deletes objects outside seg/', async () => {
    const ctx = await gcContext(Date.now() + 60 * MINUTE);
    const outside = ['other/00/0000000000001-aa.slc', 'segments/ab/0000000000001-ab.slc', 'seg', 'seg.slc'];
    for (const key of outside) await putObject(ctx, key);

    const result = await collectOrphanObjects(ctx);

    assert.deepEqual(result, summary({}));
    assert.deepEqual(await keysIn(ctx), [...outside].sort());
  });

  it('counts keys under seg/ that are not segment keys and leaves them alone', async () => {
    const ctx = await gcContext(Date.now() + 60 * MINUTE);
    const unknown = ['seg/README', 'seg/ab/123-short-time.slc', 'seg/AB/0000000000001-upper.slc', 'seg/ab/0000000000001-no-suffix'];
    for (const key of unknown) await putObject(ctx, key);

    const result = await collectOrphanObjects(ctx);

    assert.deepEqual(result, summary({ scanned: unknown.length, skippedUnknownKeys: unknown.length }));
    assert.deepEqual(await keysIn(ctx), [...unknown].sort());
  });

  it('sorts 250 old objects, more than one BatchGet holds, into committed and deleted', async () => {
    const ctx = await gcContext(Date.now() + 60 * MINUTE);
    // 50 prefixes of 5 objects; the first object of each prefix is committed.
    const keys = await inParallel(Array.from({ length: 250 }, (_, i) => i), 25, (i) => putSegment(ctx, Date.now() - 60 * MINUTE, i % 50));
    const committed = keys.slice(0, 50);
    await inParallel(committed, 25, (key) => commitRef(ctx, key));
    const orphans = keys.slice(50);

    const result = await collectOrphanObjects(ctx);

    assert.deepEqual({ ...result, deleted: [...result.deleted].sort() }, summary({ scanned: 250, keptReferenced: 50, deleted: [...orphans].sort() }));
    assert.deepEqual(await keysIn(ctx), [...committed].sort());
  });

  it('reads every page of the listing while deleting between pages', async (t) => {
    if (env.config.s3Endpoint === undefined && !env.config.useAwsDefaults && !s3rverCanPaginate()) {
      // s3rver 3.7 encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3
      // offers only with --openssl-legacy-provider (npm test passes it).
      t.skip('the embedded s3rver cannot paginate ListObjectsV2 without --openssl-legacy-provider');
      return;
    }
    const ctx = await gcContext(Date.now() + 60 * MINUTE);
    // 25 prefixes of 2 objects; the first object of each prefix is committed.
    const keys = await inParallel(Array.from({ length: 50 }, (_, i) => i), 25, (i) => putSegment(ctx, Date.now() - 60 * MINUTE, i % 25));
    const committed = keys.slice(0, 25);
    await inParallel(committed, 25, (key) => commitRef(ctx, key));

    const result = await collectOrphanObjects(ctx, { pageSize: 7 });

    assert.deepEqual({ ...result, deleted: [...result.deleted].sort() }, summary({ scanned: 50, keptReferenced: 25, deleted: keys.slice(25).sort() }));
    assert.deepEqual(await keysIn(ctx), [...committed].sort());
  });

  it('stops after maxDeletes deletes and says the run is incomplete', async () => {
    const ctx = await gcContext(Date.now() + 60 * MINUTE);
    for (let prefix = 0; prefix < 5; prefix++) await putSegment(ctx, Date.now() - 60 * MINUTE, prefix);

    const result = await collectOrphanObjects(ctx, { maxDeletes: 2 });

    assert.equal(result.deleted.length, 2);
    assert.equal(result.complete, false);
    assert.equal((await keysIn(ctx)).length, 3);
  });

  it('lists nothing once its deadline has passed and says the run is incomplete', async () => {
    const now = Date.now() + 60 * MINUTE;
    const ctx = await gcContext(now);
    const orphan = await putSegment(ctx, Date.now() - 60 * MINUTE);

    const result = await collectOrphanObjects(ctx, { deadline: now });

    assert.deepEqual(result, summary({ complete: false }));
    assert.deepEqual(await keysIn(ctx), [orphan]);
  });
});

describe('collect-orphan-objects on the local platform', () => {
  it('runs on demand through the platform schedule and keeps an orphan written just now', async () => {
    const key = segmentObjectKey(randomUUID(), Date.now());
    await s3.send(new PutObjectCommand({ Bucket: env.config.bucket, Key: key, Body: 'segment bytes' }));

    const result = await env.platform.schedules.runNow('collect-orphan-objects');

    assert.deepEqual(result, { scanned: 1, deleted: 0, keptYoung: 1, keptReferenced: 0, skippedUnknownKeys: 0, failed: 0, complete: true });
  });

  it('keeps the objects that produce calls committed and deletes a stray one, so every record stays readable', async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'gc-produced', partitions: 1 })).status, 201);
    for (let i = 0; i < 3; i++) {
      const produced = await call(env.url, 'POST', '/v1/topics/gc-produced/records', { records: [{ value: `a${i}` }, { value: `b${i}` }] });
      assert.equal(produced.status, 200, JSON.stringify(produced.body));
    }
    const stray = segmentObjectKey(randomUUID(), Date.now());
    await s3.send(new PutObjectCommand({ Bucket: env.config.bucket, Key: stray, Body: 'segment bytes' }));
    const ctx: SluiceContext = { ...contextFromEnv(), ddb, s3, now: () => Date.now() + 60 * MINUTE };

    const result = await collectOrphanObjects(ctx);

    assert.equal(result.keptReferenced, 3);
    assert.ok(result.deleted.includes(stray), JSON.stringify(result));
    const fetched = await call(env.url, 'GET', '/v1/topics/gc-produced/partitions/0/records?offset=0&encoding=utf8');
    assert.equal(fetched.status, 200, JSON.stringify(fetched.body));
    assert.deepEqual(
      fetched.body.records.map((record: any) => record.value),
      ['a0', 'b0', 'a1', 'b1', 'a2', 'b2'],
    );
  });
});
