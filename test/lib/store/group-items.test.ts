import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupOfStreamKey, memberKey, metaKey } from '../../../lib/store/group-items';
import { registryKey } from '../../../lib/store/subscription-items';

/** Stream records carry their item's keys as DynamoDB attribute values. */
const keysOf = (key: { pk: string; sk: string }) => ({ pk: { S: key.pk }, sk: { S: key.sk } });

describe('groupOfStreamKey', () => {
  it('names the group of a member or meta item', () => {
    assert.equal(groupOfStreamKey(keysOf(memberKey('orders#eu', 'm-1'))), 'orders#eu');
    assert.equal(groupOfStreamKey(keysOf(metaKey('g'))), 'g');
  });

  it('answers undefined for items outside any group and for missing keys', () => {
    assert.equal(groupOfStreamKey(keysOf(registryKey('topic', 'g'))), undefined);
    assert.equal(groupOfStreamKey({ pk: { N: '1' } }), undefined);
    assert.equal(groupOfStreamKey(undefined), undefined);
  });
});
