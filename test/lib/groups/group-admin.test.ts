import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { SluiceError } from '../../../lib/core/errors';
import { rebalance } from '../../../lib/groups/coordinator';
import { describeGroup } from '../../../lib/groups/describe-group';
import { deleteGroup, deleteGroupOffsets, resetGroupOffsets } from '../../../lib/groups/group-admin';
import { commitOffsets, committedOffsets } from '../../../lib/groups/group-offsets';
import { heartbeat, joinGroup, leaveGroup } from '../../../lib/groups/membership';
import { readMembers, readMeta } from '../../../lib/store/group-store';
import { call, type TestPlatform } from '../../support/local-platform';
import { startPlatformContext } from '../../support/platform-context';

/**
 * Consumer-group administration (lib/groups/group-admin.ts) against DynamoDB Local and
 * the S3 server: resets to each target, per topic and per partition, dry runs, deletions,
 * and the refusals of a group with live members, including one that joins mid-write.
 */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  ({ env, ctx } = await startPlatformContext());
  // Three partitions: p0 holds 5 records at times 1000..5000, p1 holds 2 at 1000 and 2000, p2 none.
  assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'ga.orders', partitions: 3 })).status, 201);
  assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'ga.other', partitions: 1 })).status, 201);
  const records = [
    ...[1, 2, 3, 4, 5].map((i) => ({ value: `p0-${i}`, partition: 0, timestamp: i * 1000 })),
    ...[1, 2].map((i) => ({ value: `p1-${i}`, partition: 1, timestamp: i * 1000 })),
  ];
  assert.equal((await call(env.url, 'POST', '/v1/topics/ga.orders/records', { records })).status, 200);
  assert.equal((await call(env.url, 'POST', '/v1/topics/ga.other/records', { records: [{ value: 'x', partition: 0 }] })).status, 200);
});

after(async () => {
  await env?.stop();
});

/** A group with standalone commits: `orders` p0..p2 at the given offsets, and `other` p0 at 1. */
async function groupAt(group: string, orders: [number, number, number]): Promise<void> {
  await commitOffsets(ctx, group, {
    offsets: [...orders.map((offset, partition) => ({ topic: 'ga.orders', partition, offset })), { topic: 'ga.other', partition: 0, offset: 1 }],
  });
}

async function committed(group: string, topic = 'ga.orders'): Promise<Record<number, number>> {
  return Object.fromEntries((await committedOffsets(ctx, group, topic)).map((c) => [c.partition, c.offset]));
}

const offsetsOf = (answer: { partitions: { partition: number; offset: number }[] }) => Object.fromEntries(answer.partitions.map((p) => [p.partition, p.offset]));

function refusedWith(code: string) {
  return (error: unknown) => error instanceof SluiceError && error.code === code;
}

describe('resetGroupOffsets', () => {
  it('to earliest sets every partition of the topic to its log start offset', async () => {
    await groupAt('ga.earliest', [4, 2, 0]);
    const answer = await resetGroupOffsets(ctx, 'ga.earliest', { topic: 'ga.orders', to: { type: 'earliest' }, dryRun: false });
    assert.deepEqual(offsetsOf(answer), { 0: 0, 1: 0, 2: 0 });
    assert.deepEqual(await committed('ga.earliest'), { 0: 0, 1: 0, 2: 0 });
    assert.deepEqual(
      answer.partitions.map((p) => p.previousOffset),
      [4, 2, 0],
    );
  });

  it('to latest sets every partition to its high watermark', async () => {
    await groupAt('ga.latest', [1, 0, 0]);
    const answer = await resetGroupOffsets(ctx, 'ga.latest', { topic: 'ga.orders', to: { type: 'latest' }, dryRun: false });
    assert.deepEqual(offsetsOf(answer), { 0: 5, 1: 2, 2: 0 });
    assert.deepEqual(await committed('ga.latest'), { 0: 5, 1: 2, 2: 0 });
  });

  it('to a timestamp sets each partition to its first record at or after it, or its high watermark when none is that late', async () => {
    await groupAt('ga.time', [0, 0, 0]);
    const answer = await resetGroupOffsets(ctx, 'ga.time', { topic: 'ga.orders', to: { type: 'timestamp', timestamp: 2500 }, dryRun: false });
    // p0: 3000 is offset 2; p1: nothing at or after 2500, so its high watermark 2; p2: empty.
    assert.deepEqual(offsetsOf(answer), { 0: 2, 1: 2, 2: 0 });
    assert.deepEqual(await committed('ga.time'), { 0: 2, 1: 2, 2: 0 });
  });

  it('to an explicit offset sets it where it is readable and clamps it into logStart..highWatermark elsewhere', async () => {
    await groupAt('ga.offset', [0, 0, 0]);
    const answer = await resetGroupOffsets(ctx, 'ga.offset', { topic: 'ga.orders', to: { type: 'offset', offset: 3 }, dryRun: false });
    assert.deepEqual(offsetsOf(answer), { 0: 3, 1: 2, 2: 0 });
    assert.deepEqual(
      answer.partitions.map((p) => p.clamped),
      [false, true, true],
    );
    assert.deepEqual(await committed('ga.offset'), { 0: 3, 1: 2, 2: 0 });
  });

  it('of named partitions changes only those, and no other topic', async () => {
    await groupAt('ga.partial', [1, 1, 0]);
    const answer = await resetGroupOffsets(ctx, 'ga.partial', { topic: 'ga.orders', partitions: [1], to: { type: 'latest' }, dryRun: false });
    assert.deepEqual(offsetsOf(answer), { 1: 2 });
    assert.deepEqual(await committed('ga.partial'), { 0: 1, 1: 2, 2: 0 });
    assert.deepEqual(await committed('ga.partial', 'ga.other'), { 0: 1 });
  });

  it('as a dry run answers the plan and writes nothing', async () => {
    await groupAt('ga.dry', [1, 1, 0]);
    const answer = await resetGroupOffsets(ctx, 'ga.dry', { topic: 'ga.orders', to: { type: 'latest' }, dryRun: true });
    assert.equal(answer.dryRun, true);
    assert.deepEqual(offsetsOf(answer), { 0: 5, 1: 2, 2: 0 });
    assert.deepEqual(await committed('ga.dry'), { 0: 1, 1: 1, 2: 0 });
  });

  it('gives a group that never existed its offsets', async () => {
    await resetGroupOffsets(ctx, 'ga.new', { topic: 'ga.orders', to: { type: 'earliest' }, dryRun: false });
    assert.deepEqual(await committed('ga.new'), { 0: 0, 1: 0, 2: 0 });
  });

  it('refuses a group with a live member (GROUP_ACTIVE) and writes nothing', async () => {
    await groupAt('ga.active', [1, 1, 0]);
    const joined = await joinGroup(ctx, 'ga.active', { topics: ['ga.orders'], sessionTimeoutMs: 30_000, assignor: 'sticky', resetPolicy: 'earliest' });
    try {
      await assert.rejects(resetGroupOffsets(ctx, 'ga.active', { topic: 'ga.orders', to: { type: 'latest' }, dryRun: false }), refusedWith('GROUP_ACTIVE'));
      await assert.rejects(resetGroupOffsets(ctx, 'ga.active', { topic: 'ga.orders', to: { type: 'latest' }, dryRun: true }), refusedWith('GROUP_ACTIVE'));
      assert.deepEqual(await committed('ga.active'), { 0: 1, 1: 1, 2: 0 });
    } finally {
      await leaveGroup(ctx, 'ga.active', joined.memberId);
    }
  });

  it('refuses, writing nothing, when a member joins and is assigned between its read and its write', async () => {
    await groupAt('ga.race', [1, 1, 0]);
    // A group that once had a member: a meta item, no live members.
    const first = await joinGroup(ctx, 'ga.race', { topics: ['ga.orders'], sessionTimeoutMs: 30_000, assignor: 'sticky', resetPolicy: 'earliest' });
    await leaveGroup(ctx, 'ga.race', first.memberId);
    await rebalance(ctx, 'ga.race');
    let joinedId: string | undefined;
    const joiningMidWrite = interceptFirst(ctx, TransactWriteCommand, async () => {
      joinedId = (await joinGroup(ctx, 'ga.race', { topics: ['ga.orders'], sessionTimeoutMs: 30_000, assignor: 'sticky', resetPolicy: 'earliest' })).memberId;
      await rebalance(ctx, 'ga.race');
    });
    await assert.rejects(resetGroupOffsets(joiningMidWrite, 'ga.race', { topic: 'ga.orders', to: { type: 'latest' }, dryRun: false }), refusedWith('GROUP_ACTIVE'));
    assert.ok(joinedId, 'the member joined during the reset');
    assert.deepEqual(await committed('ga.race'), { 0: 1, 1: 1, 2: 0 });
    await leaveGroup(ctx, 'ga.race', joinedId);
  });

  it('writes a topic of more than 99 partitions in several fenced transactions; a member joining between them stops the rest, and the 409 says how many were written', async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'ga.wide', partitions: 150 })).status, 201);
    const whole = await resetGroupOffsets(ctx, 'ga.wide-ok', { topic: 'ga.wide', to: { type: 'offset', offset: 0 }, dryRun: false });
    assert.equal(whole.partitions.length, 150);
    assert.equal((await committedOffsets(ctx, 'ga.wide-ok', 'ga.wide')).length, 150);

    const first = await joinGroup(ctx, 'ga.wide', { topics: ['ga.wide'], sessionTimeoutMs: 30_000, assignor: 'sticky', resetPolicy: 'earliest' });
    await leaveGroup(ctx, 'ga.wide', first.memberId);
    await rebalance(ctx, 'ga.wide');
    // The stream-driven coordinator reacts to the join and the leave too: once it has, it cannot move the generation
    // under the reset's first transaction (which would fence it before the join this test places between the two).
    await env.platform.triggers.get('coordinate-groups')!.drain(30_000);
    let joinedId: string | undefined;
    const joiningBetween = interceptFirst(
      ctx,
      TransactWriteCommand,
      async () => {
        joinedId = (await joinGroup(ctx, 'ga.wide', { topics: ['ga.wide'], sessionTimeoutMs: 30_000, assignor: 'sticky', resetPolicy: 'earliest' })).memberId;
        await rebalance(ctx, 'ga.wide');
      },
      2,
    );
    await assert.rejects(
      resetGroupOffsets(joiningBetween, 'ga.wide', { topic: 'ga.wide', to: { type: 'latest' }, dryRun: false }),
      (error: unknown) => error instanceof SluiceError && error.code === 'GROUP_ACTIVE' && error.details.partitionsWritten === 99,
    );
    assert.equal((await committedOffsets(ctx, 'ga.wide', 'ga.wide')).length, 99, 'the first transaction wrote 99 offsets, the second none');
    await leaveGroup(ctx, 'ga.wide', joinedId!);
  });

  it('refuses a group that delivers by push subscription (GROUP_HAS_SUBSCRIPTION), for a reset and a deletion', async () => {
    const subscribed = await call(env.url, 'PUT', '/v1/groups/ga.pushed/subscription', { topic: 'ga.orders', target: { type: 'https', url: 'http://127.0.0.1:1/hook' } });
    assert.equal(subscribed.status, 200, JSON.stringify(subscribed.body));
    await assert.rejects(resetGroupOffsets(ctx, 'ga.pushed', { topic: 'ga.orders', to: { type: 'earliest' }, dryRun: false }), refusedWith('GROUP_HAS_SUBSCRIPTION'));
    await assert.rejects(deleteGroup(ctx, 'ga.pushed'), refusedWith('GROUP_HAS_SUBSCRIPTION'));
    await assert.rejects(deleteGroupOffsets(ctx, 'ga.pushed', 'ga.orders'), refusedWith('GROUP_HAS_SUBSCRIPTION'));
    assert.ok(await readMeta(ctx, 'ga.pushed'), 'the group is still there');
  });

  it('refuses a partition the topic lacks (PARTITION_NOT_FOUND) and a partition named twice (INVALID_REQUEST naming it)', async () => {
    await assert.rejects(resetGroupOffsets(ctx, 'ga.bad', { topic: 'ga.orders', partitions: [3], to: { type: 'latest' }, dryRun: false }), refusedWith('PARTITION_NOT_FOUND'));
    await assert.rejects(
      resetGroupOffsets(ctx, 'ga.bad', { topic: 'ga.orders', partitions: [0, 0], to: { type: 'latest' }, dryRun: false }),
      (error: unknown) => error instanceof SluiceError && error.code === 'INVALID_REQUEST' && error.details.field === 'partitions[1]',
    );
    assert.deepEqual(await committed('ga.bad'), {});
  });
});

describe('deleteGroupOffsets', () => {
  it("deletes the group's offsets of one topic and leaves the other topics'", async () => {
    await groupAt('ga.deloff', [1, 2, 0]);
    assert.deepEqual(await deleteGroupOffsets(ctx, 'ga.deloff', 'ga.orders'), { group: 'ga.deloff', topic: 'ga.orders', partitions: [0, 1, 2] });
    assert.deepEqual(await committed('ga.deloff'), {});
    assert.deepEqual(await committed('ga.deloff', 'ga.other'), { 0: 1 });
  });

  it('refuses a group with a live member and deletes nothing', async () => {
    await groupAt('ga.deloff-active', [1, 2, 0]);
    const joined = await joinGroup(ctx, 'ga.deloff-active', { topics: ['ga.orders'], sessionTimeoutMs: 30_000, assignor: 'sticky', resetPolicy: 'earliest' });
    await assert.rejects(deleteGroupOffsets(ctx, 'ga.deloff-active', 'ga.orders'), refusedWith('GROUP_ACTIVE'));
    assert.deepEqual(await committed('ga.deloff-active'), { 0: 1, 1: 2, 2: 0 });
    await leaveGroup(ctx, 'ga.deloff-active', joined.memberId);
  });

  it('answers GROUP_NOT_FOUND for a group that does not exist', async () => {
    await assert.rejects(deleteGroupOffsets(ctx, 'ga.nobody', 'ga.orders'), refusedWith('GROUP_NOT_FOUND'));
  });
});

describe('deleteGroup', () => {
  it('deletes the offsets and the group record, so describing it is GROUP_NOT_FOUND', async () => {
    const joined = await joinGroup(ctx, 'ga.delete', { topics: ['ga.orders'], sessionTimeoutMs: 30_000, assignor: 'sticky', resetPolicy: 'earliest' });
    await leaveGroup(ctx, 'ga.delete', joined.memberId);
    await rebalance(ctx, 'ga.delete');
    await groupAt('ga.delete', [1, 2, 0]);
    await deleteGroup(ctx, 'ga.delete');
    await assert.rejects(describeGroup(ctx, 'ga.delete'), refusedWith('GROUP_NOT_FOUND'));
    assert.equal(await readMeta(ctx, 'ga.delete'), undefined);
    assert.deepEqual(await committedOffsets(ctx, 'ga.delete'), []);
  });

  it('removes the items of members whose leases lapsed', async () => {
    const lapsing = await joinGroup(ctx, 'ga.lapsed', { topics: ['ga.orders'], sessionTimeoutMs: 1_000, assignor: 'sticky', resetPolicy: 'earliest' });
    const later = { ...ctx, now: () => Date.now() + 5_000 };
    await deleteGroup(later, 'ga.lapsed');
    assert.deepEqual(
      (await readMembers(ctx, 'ga.lapsed')).map((m) => m.memberId).filter((id) => id === lapsing.memberId),
      [],
    );
    assert.equal(await readMeta(ctx, 'ga.lapsed'), undefined);
  });

  it('refuses a group with a live member and deletes nothing', async () => {
    const joined = await joinGroup(ctx, 'ga.delete-active', { topics: ['ga.orders'], sessionTimeoutMs: 30_000, assignor: 'sticky', resetPolicy: 'earliest' });
    await assert.rejects(deleteGroup(ctx, 'ga.delete-active'), refusedWith('GROUP_ACTIVE'));
    assert.ok(await readMeta(ctx, 'ga.delete-active'));
    await leaveGroup(ctx, 'ga.delete-active', joined.memberId);
  });

  it('answers GROUP_NOT_FOUND for a group that does not exist', async () => {
    await assert.rejects(deleteGroup(ctx, 'ga.never'), refusedWith('GROUP_NOT_FOUND'));
  });

  it('leaves a member that joined while the group was deleted in a new group, assigned', async () => {
    const first = await joinGroup(ctx, 'ga.rejoin', { topics: ['ga.orders'], sessionTimeoutMs: 30_000, assignor: 'sticky', resetPolicy: 'earliest' });
    await leaveGroup(ctx, 'ga.rejoin', first.memberId);
    await rebalance(ctx, 'ga.rejoin');
    // The join writes the meta item, then (here, after the group was deleted) its member item.
    const deletedMidJoin = interceptFirst(ctx, PutCommand, () => deleteGroup(ctx, 'ga.rejoin'));
    const joined = await joinGroup(deletedMidJoin, 'ga.rejoin', { topics: ['ga.orders'], sessionTimeoutMs: 30_000, assignor: 'sticky', resetPolicy: 'earliest' });
    const view = await heartbeat(ctx, 'ga.rejoin', joined.memberId);
    assert.equal(view.rebalanceInProgress, false);
    assert.deepEqual(view.assignment, [{ topic: 'ga.orders', partitions: [0, 1, 2] }]);
    await leaveGroup(ctx, 'ga.rejoin', joined.memberId);
  });
});

/** `base` whose `nth` command of class `type` (the first by default) runs `meanwhile` (on the real context) before it is sent. */
function interceptFirst(base: SluiceContext, type: abstract new (...args: never[]) => unknown, meanwhile: () => Promise<unknown>, nth = 1): SluiceContext {
  let seen = 0;
  const ddb = new Proxy(base.ddb, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown, ...rest: unknown[]) => {
        if (command instanceof type && ++seen === nth) await meanwhile();
        return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      };
    },
  });
  return { ...base, ddb };
}
