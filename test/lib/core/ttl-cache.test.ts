import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TtlCache } from '../../../lib/core/ttl-cache';

describe('TtlCache', () => {
  it('answers a value from the cache until it is older than the TTL, then loads it again', async () => {
    const cache = new TtlCache<string, number>({ ttlMs: 5_000, maxEntries: 10 });
    let loads = 0;
    const load = async () => ++loads;
    assert.equal(await cache.get('a', 1_000, load), 1);
    assert.equal(await cache.get('a', 6_000, load), 1); // exactly the TTL old: still served
    assert.equal(await cache.get('a', 6_001, load), 2);
    assert.equal(loads, 2);
  });

  it('caches an absent value (undefined) like any other', async () => {
    const cache = new TtlCache<string, number | undefined>({ ttlMs: 5_000, maxEntries: 10 });
    let loads = 0;
    const load = async () => (loads++, undefined);
    await cache.get('none', 0, load);
    await cache.get('none', 10, load);
    assert.equal(loads, 1);
  });

  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const cache = new TtlCache<string, string>({ ttlMs: 5_000, maxEntries: 2 });
    cache.set('a', 'A', 0);
    cache.set('b', 'B', 0);
    assert.deepEqual(cache.lookup('a', 1), { value: 'A' }); // a is now the most recently used
    cache.set('c', 'C', 2);
    assert.equal(cache.size, 2);
    assert.equal(cache.lookup('b', 3), undefined);
    assert.deepEqual(cache.lookup('a', 3), { value: 'A' });
    assert.deepEqual(cache.lookup('c', 3), { value: 'C' });
  });

  it('drops an entry on delete, and one whose clock went backwards', async () => {
    const cache = new TtlCache<string, string>({ ttlMs: 5_000, maxEntries: 2 });
    cache.set('a', 'A', 100);
    cache.delete('a');
    assert.equal(cache.lookup('a', 100), undefined);
    cache.set('b', 'B', 100);
    assert.equal(cache.lookup('b', 99), undefined);
  });

  it('caches nothing when the load fails', async () => {
    const cache = new TtlCache<string, number>({ ttlMs: 5_000, maxEntries: 2 });
    await assert.rejects(cache.get('a', 0, async () => Promise.reject(new Error('storage down'))), /storage down/);
    assert.equal(await cache.get('a', 1, async () => 7), 7);
  });
});
