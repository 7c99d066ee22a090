import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesPattern } from '../../../infra/local/stream-filter';
import { FUNCTIONS } from '../../../infra/platform-spec';

/**
 * The notify-watchers trigger's event filter (infra/platform-spec.ts), through the local
 * emulation of Lambda's filtering: only head changes that carry `watchedUntil` invoke it,
 * so commits to partitions nobody watches cost nothing.
 */
const spec = FUNCTIONS.find((f) => f.name === 'notify-watchers')!;
const invoked = (record: Record<string, unknown>) => spec.trigger!.filterPatterns!.some((pattern) => matchesPattern(pattern, record));

const head = (newImage: Record<string, unknown>, eventName = 'MODIFY') => ({
  eventName,
  dynamodb: { Keys: { pk: { S: 't1#0' }, sk: { S: 'head' } }, NewImage: { pk: { S: 't1#0' }, sk: { S: 'head' }, nextOffset: { N: '5' }, ...newImage } },
});

describe('notify-watchers filter', () => {
  it('passes a commit to a watched head, and the head a watch created', () => {
    assert.equal(invoked(head({ watchedUntil: { N: '1800000000000' } })), true);
    assert.equal(invoked(head({ watchedUntil: { N: '1800000000000' } }, 'INSERT')), true);
  });

  it('drops a commit to a head nobody watches', () => {
    assert.equal(invoked(head({})), false);
  });

  it('drops removals, and items other than heads (watchers, index items)', () => {
    assert.equal(invoked(head({ watchedUntil: { N: '1' } }, 'REMOVE')), false);
    const watcher = { eventName: 'INSERT', dynamodb: { Keys: { pk: { S: 'watch#t1#0' }, sk: { S: 'conn=' } }, NewImage: { offset: { N: '5' }, watchedUntil: { N: '1' } } } };
    assert.equal(invoked(watcher), false);
    const index = { eventName: 'INSERT', dynamodb: { Keys: { pk: { S: 't1#0' }, sk: { S: 'o#00000000000000000004' } }, NewImage: { nextOffset: { N: '5' } } } };
    assert.equal(invoked(index), false);
  });
});
