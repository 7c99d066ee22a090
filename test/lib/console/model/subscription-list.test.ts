import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSubscriptions, subscriptionCandidates } from '../../../../lib/console/model/subscription-list';
import type { SubscriptionDescription } from '../../../../lib/protocol/responses';

const summary = (group: string, members: number) => ({ group, generation: 1, assignor: 'sticky' as const, members, state: members ? ('Stable' as const) : ('Empty' as const) });
const sub = (group: string) => ({ group }) as SubscriptionDescription;
const apiError = (code: string) => Object.assign(new Error(code), { code });

describe('finding subscriptions', () => {
  it('asks only groups without live members', () => {
    assert.deepEqual(subscriptionCandidates([summary('a', 0), summary('b', 2), summary('c', 0)]), ['a', 'c']);
  });

  it('keeps the groups’ order and skips groups without a subscription', async () => {
    const found = await findSubscriptions(['a', 'b', 'c', 'd'], async (g) => {
      if (g === 'b') throw apiError('SUBSCRIPTION_NOT_FOUND');
      if (g === 'c') throw apiError('GROUP_NOT_FOUND');
      return sub(g);
    }, 2);
    assert.deepEqual(
      found.map((s) => s.group),
      ['a', 'd'],
    );
  });

  it('fails on any other error', async () => {
    await assert.rejects(
      findSubscriptions(['a'], async () => {
        throw apiError('ACCESS_DENIED');
      }),
      { code: 'ACCESS_DENIED' },
    );
  });

  it('asks at most the given number of groups at once', async () => {
    let running = 0;
    let most = 0;
    await findSubscriptions(['a', 'b', 'c', 'd', 'e'], async (g) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setImmediate(r));
      running--;
      return sub(g);
    }, 2);
    assert.equal(most, 2);
  });
});
