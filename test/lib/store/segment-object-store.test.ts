import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { segmentObjectKey } from '../../../lib/store/object-keys';
import { deleteSegmentObjects, listSegmentObjects, putSegmentObject, readSegmentRange } from '../../../lib/store/segment-object-store';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** Segment objects in s3rver through the SDK. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  env = await startTestPlatform();
  ctx = contextFromEnv();
});

after(async () => {
  await env?.stop();
});

describe('segment object store', () => {
  it('reads a byte range of an object, and undefined for an object that is gone', async () => {
    const key = segmentObjectKey('a1' + randomUUID().slice(2), 1_000);
    await putSegmentObject(ctx, key, new TextEncoder().encode('0123456789'));
    assert.equal(new TextDecoder().decode(await readSegmentRange(ctx, key, 2, 3)), '234');
    const { deleted, failed } = await deleteSegmentObjects(ctx, [key]);
    assert.deepEqual([deleted, failed], [[key], []]);
    assert.equal(await readSegmentRange(ctx, key, 2, 3), undefined);
  });

  it('lists a prefix in key order after a StartAfter key, a page at a time', async () => {
    const id = () => 'b2' + randomUUID().slice(2);
    const keys = [segmentObjectKey(id(), 1_000), segmentObjectKey(id(), 2_000), segmentObjectKey(id(), 3_000)];
    for (const key of keys) await putSegmentObject(ctx, key, new Uint8Array([1]));
    const first = await listSegmentObjects(ctx, 'seg/b2/', { startAfter: keys[0], maxKeys: 1 });
    assert.deepEqual(first.objects.map((o) => o.key), [keys[1]]);
    assert.equal(first.truncated, true);
    assert.equal(typeof first.objects[0]!.lastModified, 'number');
    const rest = await listSegmentObjects(ctx, 'seg/b2/', { startAfter: keys[1] });
    assert.deepEqual(rest.objects.map((o) => o.key), [keys[2]]);
    assert.equal(rest.truncated, false);
  });
});
