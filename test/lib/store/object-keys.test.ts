import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSegmentObjectKey, segmentObjectKey } from '../../../lib/store/object-keys';

describe('segment object keys', () => {
  it('spread over prefixes taken from the object id and parse back', () => {
    const key = segmentObjectKey('9f2c1a3e-0000-4000-8000-000000000000', 1763772000000);
    assert.equal(key, 'seg/9f/1763772000000-9f2c1a3e-0000-4000-8000-000000000000.slc');
    assert.deepEqual(parseSegmentObjectKey(key), { prefix: '9f', writtenAt: 1763772000000, objectId: '9f2c1a3e-0000-4000-8000-000000000000' });
  });

  it('sort by write time within a prefix', () => {
    const early = segmentObjectKey('ab000000', 999);
    const late = segmentObjectKey('ab111111', 1000);
    assert.ok(early < late);
  });

  it('does not parse keys outside the layout', () => {
    assert.equal(parseSegmentObjectKey('other/file'), undefined);
  });
});
