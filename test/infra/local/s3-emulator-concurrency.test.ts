import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';
import { missingOnTarget } from '../../support/test-target';

/**
 * s3rver's filesystem store (3.7) used to remove a directory a delete had emptied while a
 * PUT into that directory was between its mkdir and its open: the PUT was answered 200
 * without the object being written, and the write stream's unhandled error ended the
 * process. Compaction and retention delete segment objects under `seg/<2 hex>/` while
 * producers write into the same prefixes, so the local platform must not lose such PUTs.
 *
 * Eight writers, two per prefix, each PUT an object, read it back, and delete it (one
 * DeleteObject, or a DeleteObjects batch) for a few seconds, so the prefixes' directories
 * are emptied over and over while PUTs go into them; a lister lists them meanwhile. Every
 * acknowledged PUT must be readable until its writer deletes it, no request may fail, and
 * the emulator must still answer afterwards with exactly the objects kept.
 */
const WRITERS = 8;
const PREFIXES = ['seg/0a/', 'seg/3f/', 'seg/a7/', 'seg/e2/'];
const LISTERS = 1;
const RUN_MS = 4_000;

// With external endpoints (AWS_ENDPOINT_URL*), the platform runs no s3rver to test.
// Emulator-only (SLUICE_TEST_TARGET=endpoint, or an endpoint in the environment): skipped by name below.
const external = missingOnTarget('emulators') !== undefined || Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3);

let env: TestPlatform;
let s3: S3Client;

before(async () => {
  if (external) return;
  env = await startTestPlatform({ kafkaPort: null });
  // No retries: a 5xx from the emulator is a failure here, not something to paper over.
  s3 = new S3Client({ region: env.config.region, endpoint: env.platform.endpoints.s3, forcePathStyle: true, maxAttempts: 1 });
});

after(async () => {
  s3?.destroy();
  await env?.stop();
});

interface WriterResult {
  puts: number;
  deletes: number;
  /** Keys whose acknowledged PUT could not be read back (before any delete of them). */
  lost: string[];
  /** Requests the emulator failed. */
  errors: string[];
  /** The writer's last objects, never deleted, with their bodies. */
  kept: Map<string, string>;
}

async function readBody(bucket: string, key: string): Promise<string | undefined> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await got.Body!.transformToString();
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

async function writer(id: number, bucket: string, until: number): Promise<WriterResult> {
  const prefix = PREFIXES[id % PREFIXES.length]!;
  const result: WriterResult = { puts: 0, deletes: 0, lost: [], errors: [], kept: new Map() };
  let pending = new Map<string, string>();
  let n = 0;
  while (Date.now() < until) {
    const key = `${prefix}${String(Date.now()).padStart(13, '0')}-w${id}-${n++}.slc`;
    const body = `writer ${id} object ${n} ${'x'.repeat(64 + (n % 512))}`;
    let step = 'PutObject';
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      result.puts++;
      step = 'GetObject';
      const read = await readBody(bucket, key);
      if (read !== body) result.lost.push(`${key}: ${read === undefined ? 'missing' : `${read.length} bytes differ`}`);
      pending.set(key, body);
      // Delete one at a time most of the time, sometimes in a batch of a few, as retention and compaction do.
      if (pending.size >= 1 + (n % 3)) {
        const keys = [...pending.keys()];
        step = keys.length === 1 ? 'DeleteObject' : 'DeleteObjects';
        if (keys.length === 1) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: keys[0] }));
        else {
          const out = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
          if (out.Errors?.length) result.errors.push(`DeleteObjects: ${JSON.stringify(out.Errors)}`);
        }
        result.deletes += keys.length;
        pending = new Map();
      }
    } catch (error) {
      result.errors.push(`${step} ${key}: ${String(error)}`);
    }
  }
  // The last objects stay: readable afterwards and in the listing.
  for (let i = 0; i < 3; i++) {
    const key = `${prefix}9999999999999-w${id}-kept-${i}.slc`;
    const body = `writer ${id} kept ${i}`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    result.kept.set(key, body);
  }
  // Objects put but not yet deleted when time ran out also stay.
  for (const [key, body] of pending) result.kept.set(key, body);
  return result;
}

/** Lists the prefixes over and over while the writers run, as the orphan collector and retention do. */
async function lister(id: number, bucket: string, until: number): Promise<{ listings: number; errors: string[] }> {
  const out = { listings: 0, errors: [] as string[] };
  for (let round = id; Date.now() < until; round++) {
    const prefix = round % 2 ? PREFIXES[round % PREFIXES.length]! : 'seg/';
    try {
      await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      out.listings++;
    } catch (error) {
      out.errors.push(`ListObjectsV2 ${prefix}: ${String(error)}`);
    }
  }
  return out;
}

describe('the S3 emulator under concurrent PUTs and deletes in shared prefixes', { skip: external && (missingOnTarget('emulators') ?? 'external S3 endpoint') }, () => {
  it('keeps every acknowledged PUT and stays up', async () => {
    const bucket = env.config.bucket;
    const until = Date.now() + RUN_MS;
    const [results, listings] = await Promise.all([
      Promise.all(Array.from({ length: WRITERS }, (_, id) => writer(id, bucket, until))),
      Promise.all(Array.from({ length: LISTERS }, (_, id) => lister(id, bucket, until))),
    ]);

    const puts = results.reduce((sum, r) => sum + r.puts, 0);
    const deletes = results.reduce((sum, r) => sum + r.deletes, 0);
    assert.deepEqual(
      { failed: [...results, ...listings].flatMap((r) => r.errors), lost: results.flatMap((r) => r.lost) },
      { failed: [], lost: [] },
      `no request failed and every acknowledged PUT was readable (${puts} PUTs, ${deletes} deletes)`,
    );
    // Without the fix the race shows within each writer's first few rounds (a loaded machine manages ~30 a second).
    assert.ok(puts >= 10 * WRITERS && deletes >= 5 * WRITERS, `enough churn to matter: ${puts} PUTs, ${deletes} deletes`);
    assert.ok(listings.every((l) => l.listings > 0), 'the listings ran alongside');

    // The emulator still answers, and what was kept is there and listed, nothing else.
    const kept = new Map(results.flatMap((r) => [...r.kept]));
    for (const [key, body] of kept) assert.equal(await readBody(bucket, key), body, key);
    const listed: string[] = [];
    for (const prefix of PREFIXES) {
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        listed.push(...(page.Contents ?? []).map((c) => c.Key!));
        token = page.NextContinuationToken;
      } while (token);
    }
    assert.deepEqual(listed.sort(), [...kept.keys()].sort());
    // The common prefixes a delimiter listing shows are only those with objects.
    const top = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'seg/', Delimiter: '/' }));
    assert.deepEqual((top.CommonPrefixes ?? []).map((p) => p.Prefix).sort(), [...PREFIXES].sort());
  });

  it('shows no directory left by deleted objects as a prefix or key', async () => {
    const bucket = env.config.bucket;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'gone/deep/one.slc', Body: 'x' }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone/deep/one.slc' }));
    const all = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'gone/' }));
    assert.equal(all.KeyCount, 0);
    const top = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    assert.ok(!(top.CommonPrefixes ?? []).some((p) => p.Prefix === 'gone/'), JSON.stringify(top.CommonPrefixes));
    // A PUT into the emptied directory works as before.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'gone/deep/two.slc', Body: 'y' }));
    assert.equal(await readBody(bucket, 'gone/deep/two.slc'), 'y');
  });
});
