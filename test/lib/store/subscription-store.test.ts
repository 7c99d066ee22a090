import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { readOffset } from '../../../lib/store/group-store';
import type { DeliveryLease, Subscription } from '../../../lib/store/subscription-items';
import {
  acquireLease,
  commitPastBatch,
  deleteSubscriptionItem,
  listSubscriptions,
  readLeases,
  readSubscription,
  recordDeliveryFailure,
  registerSubscription,
  releaseLease,
  subscribedGroups,
  unregisterSubscription,
  writeSubscription,
} from '../../../lib/store/subscription-store';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';
import { withIsolatedGroupsTable } from './isolated-groups-table';

/** Subscription items, the topic registry and delivery leases against DynamoDB Local, in a Groups table no platform trigger watches. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  env = await startTestPlatform();
  ctx = await withIsolatedGroupsTable({ ...contextFromEnv(), sleep: async () => undefined }, 'subscription-store');
});

after(async () => {
  await env?.stop();
});

const NOW = 2_000_000;
const subscription = (group: string, topic = 'src'): Subscription => ({
  group,
  topic,
  target: { type: 'https', url: 'https://example.test/hook' },
  secret: 's3cret',
  batchSize: 10,
  batchingWindowMs: 0,
  retryAttempts: 2,
  maxRecordAgeSeconds: -1,
  bisectOnError: false,
  deadLetterTopic: `${group}.dlq`,
  createdAt: NOW,
});
const failure = { consecutiveFailures: 3, lastError: 'target answered HTTP 503', lastErrorAt: NOW + 1 };

async function acquired(group: string, partition: number, holder = 'dispatcher-1'): Promise<DeliveryLease> {
  const result = await acquireLease(ctx, { group, topic: 'src', partition }, { holder, expiresAt: NOW + 60_000, now: NOW });
  assert.equal(result.kind, 'acquired');
  return (result as { lease: DeliveryLease }).lease;
}

describe('subscription items and the topic registry', () => {
  it('writes, reads and deletes a subscription', async () => {
    assert.equal(await readSubscription(ctx, 'sub-rw'), undefined);
    await writeSubscription(ctx, subscription('sub-rw'));
    assert.deepEqual(await readSubscription(ctx, 'sub-rw'), subscription('sub-rw'));
    await deleteSubscriptionItem(ctx, 'sub-rw');
    assert.equal(await readSubscription(ctx, 'sub-rw'), undefined);
  });

  it('registers and unregisters the groups pushing a topic', async () => {
    await registerSubscription(ctx, 'registry-topic', 'reg-a');
    await registerSubscription(ctx, 'registry-topic', 'reg-b');
    await registerSubscription(ctx, 'registry-topic-2', 'reg-c');
    await unregisterSubscription(ctx, 'registry-topic', 'reg-a');
    assert.deepEqual((await subscribedGroups(ctx, 'registry-topic')).sort(), ['reg-b']);
  });

  it('lists every subscription', async () => {
    await writeSubscription(ctx, subscription('listed-1'));
    await writeSubscription(ctx, subscription('listed-2'));
    const groups = (await listSubscriptions(ctx)).map((s) => s.group);
    assert.ok(groups.includes('listed-1') && groups.includes('listed-2'), groups.join());
  });
});

describe('delivery leases', () => {
  it('acquires a free lease at epoch 1, refuses a held one, and after release acquires it again at the next epoch', async () => {
    const first = await acquired('lease-cycle', 0);
    assert.deepEqual([first.holder, first.epoch, first.attempts, first.nextAttemptAt], ['dispatcher-1', 1, 0, 0]);
    assert.deepEqual(await acquireLease(ctx, { group: 'lease-cycle', topic: 'src', partition: 0 }, { holder: 'dispatcher-2', expiresAt: NOW + 60_000, now: NOW }), {
      kind: 'held',
    });
    assert.equal(await releaseLease(ctx, { group: 'lease-cycle', topic: 'src', partition: 0 }, first), 'released');
    const second = await acquired('lease-cycle', 0, 'dispatcher-2');
    assert.deepEqual([second.holder, second.epoch], ['dispatcher-2', 2]);
    assert.equal(await releaseLease(ctx, { group: 'lease-cycle', topic: 'src', partition: 0 }, first), 'fenced');
  });

  it('records a failure only for the current holder, and reads it back per partition', async () => {
    const lease = await acquired('lease-failures', 1);
    const ref = { group: 'lease-failures', topic: 'src', partition: 1 };
    assert.equal(await recordDeliveryFailure(ctx, ref, { ...lease, epoch: lease.epoch - 1 }, { attempts: 1, nextAttemptAt: NOW + 400, failure }), 'fenced');
    assert.equal(await recordDeliveryFailure(ctx, ref, lease, { attempts: 1, nextAttemptAt: NOW + 400, failure }), 'recorded');
    const leases = await readLeases(ctx, 'lease-failures', 'src');
    assert.deepEqual([...leases.keys()], [1]);
    assert.deepEqual(leases.get(1), { ...lease, attempts: 1, nextAttemptAt: NOW + 400, ...failure });
  });

  it('reads only the leases of the topic asked for, not of a topic whose name extends it', async () => {
    await acquired('lease-topics', 0);
    await acquireLease(ctx, { group: 'lease-topics', topic: 'src2', partition: 5 }, { holder: 'x', expiresAt: NOW + 60_000, now: NOW });
    assert.deepEqual([...(await readLeases(ctx, 'lease-topics', 'src')).keys()], [0]);
  });

  it('commits past a delivered batch while holding the lease: the offset is written and the failure count reset, the last error kept', async () => {
    const lease = await acquired('lease-commit', 0);
    const ref = { group: 'lease-commit', topic: 'src', partition: 0 };
    await recordDeliveryFailure(ctx, ref, lease, { attempts: 1, nextAttemptAt: NOW + 400, failure });
    assert.equal(await commitPastBatch(ctx, ref, lease, { nextOffset: 8, now: NOW + 2 }), 'committed');
    const stored = (await readLeases(ctx, 'lease-commit', 'src')).get(0)!;
    assert.deepEqual([stored.attempts, stored.nextAttemptAt, stored.consecutiveFailures, stored.lastError], [0, 0, 0, failure.lastError]);
    const committed = await readOffset(ctx, 'lease-commit', 'src', 0);
    assert.deepEqual([committed?.offset, committed?.generation, committed?.memberId], [8, lease.epoch, 'push:dispatcher-1']);
  });

  it('commits past a dead-lettered batch keeping the failure that sent it there', async () => {
    const lease = await acquired('lease-dead-letter', 0);
    const ref = { group: 'lease-dead-letter', topic: 'src', partition: 0 };
    assert.equal(await commitPastBatch(ctx, ref, lease, { nextOffset: 3, now: NOW, failure }), 'committed');
    const stored = (await readLeases(ctx, 'lease-dead-letter', 'src')).get(0)!;
    assert.deepEqual([stored.attempts, stored.consecutiveFailures, stored.lastError, stored.lastErrorAt], [0, 3, failure.lastError, failure.lastErrorAt]);
  });

  it('refuses to commit for a fenced holder, and writes no offset', async () => {
    const stale = await acquired('lease-fenced', 0);
    await releaseLease(ctx, { group: 'lease-fenced', topic: 'src', partition: 0 }, stale);
    await acquired('lease-fenced', 0, 'dispatcher-2');
    assert.equal(await commitPastBatch(ctx, { group: 'lease-fenced', topic: 'src', partition: 0 }, stale, { nextOffset: 5, now: NOW }), 'fenced');
    assert.equal(await readOffset(ctx, 'lease-fenced', 'src', 0), undefined);
  });
});
