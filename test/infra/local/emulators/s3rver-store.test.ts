import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command, PutObjectCommand, S3Client, type ListObjectsV2CommandInput } from '@aws-sdk/client-s3';
import { startS3Server, type RunningS3Server } from '../../../../infra/local/emulators/s3-server';

const BUCKET = 'listing';
let dataDir: string;
let server: RunningS3Server;
let s3: S3Client;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 's3rver-store-'));
  server = await startS3Server({ port: 0, dataDir });
  // No retries: a 500 from the emulator must show.
  s3 = new S3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await fetch(`${server.endpoint}/${BUCKET}`, { method: 'PUT' });
  for (const key of ['a/1', 'a/2', 'a/3', 'a/b/4', 'a/b/5', 'c/6', 'top']) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
  }
});

after(async () => {
  s3?.destroy();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function list(input: Omit<ListObjectsV2CommandInput, 'Bucket'>): Promise<{ keys: string[]; prefixes: string[]; truncated: boolean; token?: string }> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ...input }));
  return {
    keys: (out.Contents ?? []).map((o) => o.Key!),
    prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix!),
    truncated: out.IsTruncated ?? false,
    token: out.NextContinuationToken,
  };
}

describe('the concurrency-safe s3rver store lists as S3 does', () => {
  it('lists every key under a prefix in key order', async () => {
    assert.deepEqual((await list({ Prefix: 'a/' })).keys, ['a/1', 'a/2', 'a/3', 'a/b/4', 'a/b/5']);
  });

  it('folds keys past the delimiter into common prefixes', async () => {
    const got = await list({ Prefix: 'a/', Delimiter: '/' });
    assert.deepEqual({ keys: got.keys, prefixes: got.prefixes }, { keys: ['a/1', 'a/2', 'a/3'], prefixes: ['a/b/'] });
  });

  it('starts after the given key', async () => {
    assert.deepEqual((await list({ StartAfter: 'a/3' })).keys, ['a/b/4', 'a/b/5', 'c/6', 'top']);
  });

  it('pages with continuation tokens and loses no key', { skip: !process.execArgv.includes('--openssl-legacy-provider') && 'continuation tokens need --openssl-legacy-provider' }, async () => {
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await list({ MaxKeys: 3, ContinuationToken: token });
      keys.push(...page.keys);
      assert.equal(page.truncated, page.token !== undefined);
      token = page.token;
      pages++;
    } while (token);
    assert.deepEqual({ keys, pages }, { keys: ['a/1', 'a/2', 'a/3', 'a/b/4', 'a/b/5', 'c/6', 'top'], pages: 3 });
  });

  it('leaves out an object whose file is gone by the time the listing looks at it, instead of failing', async () => {
    // A dangling link is a directory entry whose target stat cannot find: the state a file
    // deleted between the listing's directory read and its stat leaves. Upstream answered 500.
    symlinkSync(join(dataDir, 'nowhere'), join(dataDir, BUCKET, 'c', 'gone._S3rver_object'));
    assert.deepEqual((await list({ Prefix: 'c/' })).keys, ['c/6']);
  });
});
