import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import type { CommittedOffset, GroupMember } from '../../../lib/store/group-items';
import { deleteBinding, putBinding, queryBindings } from '../../../lib/store/member-binding-store';
import {
  bindMemberLease,
  commitGroupOffsets,
  createMember,
  deleteMember,
  deleteMemberIfLapsed,
  ensureGroupMeta,
  lapsedMembers,
  listGroupMetas,
  readMembers,
  readMeta,
  readOffset,
  readOffsets,
  releaseMemberBinding,
  renewMemberLease,
  writeNextGeneration,
  writePushGroupMeta,
} from '../../../lib/store/group-store';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';
import { withIsolatedGroupsTable } from './isolated-groups-table';

/** The Groups table's meta, member and offset items against DynamoDB Local, in a Groups table no platform trigger watches. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  env = await startTestPlatform();
  ctx = await withIsolatedGroupsTable({ ...contextFromEnv(), sleep: async () => undefined }, 'group-store');
});

after(async () => {
  await env?.stop();
});

const NOW = 1_000_000;
const member = (group: string, memberId: string, expiresAt = NOW + 10_000): GroupMember => ({
  group,
  memberId,
  topics: ['t'],
  sessionTimeoutMs: 10_000,
  expiresAt,
  joinedAt: NOW,
});
const offset = (group: string, partition: number, value: number, generation = 1, memberId: string | null = 'm'): CommittedOffset => ({
  group,
  topic: 't',
  partition,
  offset: value,
  generation,
  memberId,
  metadata: null,
  committedAt: NOW,
});

/** A group at generation 1 with member `m` (live) in it. */
async function groupAtGenerationOne(group: string): Promise<void> {
  await ensureGroupMeta(ctx, group, { assignor: 'sticky', resetPolicy: 'earliest' }, NOW);
  assert.equal(await createMember(ctx, member(group, 'm')), 'created');
  assert.equal(await writeNextGeneration(ctx, group, { current: 0, members: ['m'], assignment: { m: [{ topic: 't', partitions: [0] }] }, topicPartitions: { t: 1 } }, NOW), 'written');
}

/** Cancels the first transaction with the given reasons, as DynamoDB does under contention. */
function cancellingOnce(base: SluiceContext, codes: string[]): SluiceContext {
  let cancelled = false;
  const ddb = new Proxy(base.ddb, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: unknown, ...rest: unknown[]) => {
        if (command instanceof TransactWriteCommand && !cancelled) {
          cancelled = true;
          return Promise.reject(new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) }));
        }
        return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      };
    },
  });
  return { ...base, ddb };
}

describe('group meta items', () => {
  it('reads nothing for a group that was never joined', async () => {
    assert.equal(await readMeta(ctx, 'never-joined'), undefined);
  });

  it('creates the meta item at generation 0 with the first assignor and reset policy, and keeps them on a later join', async () => {
    await ensureGroupMeta(ctx, 'meta-first', { assignor: 'range', resetPolicy: 'earliest' }, NOW);
    await ensureGroupMeta(ctx, 'meta-first', { assignor: 'sticky', resetPolicy: 'latest' }, NOW + 1);
    const meta = await readMeta(ctx, 'meta-first');
    assert.deepEqual(
      { generation: meta?.generation, assignor: meta?.assignor, resetPolicy: meta?.resetPolicy, members: meta?.members, updatedAt: meta?.updatedAt },
      { generation: 0, assignor: 'range', resetPolicy: 'earliest', members: [], updatedAt: NOW },
    );
  });

  it('writes the next generation only from the generation it read, and answers contended otherwise', async () => {
    await ensureGroupMeta(ctx, 'generations', { assignor: 'sticky', resetPolicy: 'latest' }, NOW);
    const next = { current: 0, members: ['a'], assignment: { a: [{ topic: 't', partitions: [0, 1] }] }, topicPartitions: { t: 2 } };
    assert.equal(await writeNextGeneration(ctx, 'generations', next, NOW), 'written');
    assert.equal(await writeNextGeneration(ctx, 'generations', { ...next, members: ['b'] }, NOW), 'contended');
    const meta = await readMeta(ctx, 'generations');
    assert.deepEqual([meta?.generation, meta?.members, meta?.topicPartitions], [1, ['a'], { t: 2 }]);
  });

  it('gives a push group its reset policy and topic while keeping its generation', async () => {
    await groupAtGenerationOne('push-meta');
    await writePushGroupMeta(ctx, 'push-meta', { resetPolicy: 'latest', topicPartitions: { pushed: 3 } }, NOW + 5);
    const meta = await readMeta(ctx, 'push-meta');
    assert.deepEqual([meta?.generation, meta?.resetPolicy, meta?.topicPartitions, meta?.updatedAt], [1, 'latest', { pushed: 3 }, NOW + 5]);
  });

  it('lists every group by its meta item', async () => {
    await ensureGroupMeta(ctx, 'listed-a', { assignor: 'sticky', resetPolicy: 'latest' }, NOW);
    await ensureGroupMeta(ctx, 'listed-b', { assignor: 'sticky', resetPolicy: 'latest' }, NOW);
    const groups = (await listGroupMetas(ctx)).map((m) => m.group);
    assert.ok(groups.includes('listed-a') && groups.includes('listed-b'), groups.join());
  });
});

describe('member items', () => {
  it('creates a member once: a second create of the same id answers exists', async () => {
    assert.equal(await createMember(ctx, member('members', 'once')), 'created');
    assert.equal(await createMember(ctx, member('members', 'once')), 'exists');
    assert.deepEqual((await readMembers(ctx, 'members')).map((m) => m.memberId), ['once']);
  });

  it('renews a live lease by the session timeout, and refuses a lapsed or missing one', async () => {
    await createMember(ctx, member('renewals', 'live'));
    await createMember(ctx, member('renewals', 'lapsed', NOW - 1));
    const renewed = await renewMemberLease(ctx, 'renewals', 'live', NOW + 5_000);
    assert.equal(renewed?.expiresAt, NOW + 15_000);
    assert.equal(renewed?.sessionTimeoutMs, 10_000);
    assert.equal(await renewMemberLease(ctx, 'renewals', 'lapsed', NOW), undefined);
    assert.equal(await renewMemberLease(ctx, 'renewals', 'nobody', NOW), undefined);
  });

  it('deletes a member that exists, and answers absent for one that does not', async () => {
    await createMember(ctx, member('leaving', 'm'));
    assert.equal(await deleteMember(ctx, 'leaving', 'm'), 'deleted');
    assert.equal(await deleteMember(ctx, 'leaving', 'm'), 'absent');
  });

  it('deletes a member as lapsed only while its lease is lapsed', async () => {
    await createMember(ctx, member('lapsing', 'live'));
    await createMember(ctx, member('lapsing', 'gone', NOW - 1));
    assert.equal(await deleteMemberIfLapsed(ctx, member('lapsing', 'live'), NOW), false);
    assert.equal(await deleteMemberIfLapsed(ctx, member('lapsing', 'gone', NOW - 1), NOW), true);
    assert.deepEqual((await readMembers(ctx, 'lapsing')).map((m) => m.memberId), ['live']);
  });

  it('finds the lapsed members of every group, and only those', async () => {
    await createMember(ctx, member('sweep-a', 'lapsed-a', NOW - 1));
    await createMember(ctx, member('sweep-b', 'lapsed-b', NOW - 1));
    await createMember(ctx, member('sweep-b', 'live-b'));
    const found: string[] = [];
    let scanned = 0;
    for await (const page of lapsedMembers(ctx, NOW)) {
      scanned += page.scanned;
      found.push(...page.members.filter((m) => m.group.startsWith('sweep-')).map((m) => m.memberId));
    }
    assert.deepEqual(found.sort(), ['lapsed-a', 'lapsed-b']);
    assert.ok(scanned >= 3);
  });
});

describe('offset items', () => {
  it('commits a member’s offsets while its generation is current and its lease live', async () => {
    await groupAtGenerationOne('commit-ok');
    const outcome = await commitGroupOffsets(ctx, 'commit-ok', [offset('commit-ok', 0, 7)], { memberId: 'm', generation: 1, now: NOW });
    assert.deepEqual(outcome, { kind: 'committed' });
    assert.equal((await readOffset(ctx, 'commit-ok', 't', 0))?.offset, 7);
  });

  it('answers illegal-generation for a stale generation, and writes nothing', async () => {
    await groupAtGenerationOne('commit-stale');
    const outcome = await commitGroupOffsets(ctx, 'commit-stale', [offset('commit-stale', 0, 7, 0)], { memberId: 'm', generation: 0, now: NOW });
    assert.deepEqual(outcome, { kind: 'illegal-generation' });
    assert.deepEqual(await readOffsets(ctx, 'commit-stale'), []);
  });

  it('answers unknown-member for a lapsed lease, and writes nothing', async () => {
    await groupAtGenerationOne('commit-lapsed');
    const outcome = await commitGroupOffsets(ctx, 'commit-lapsed', [offset('commit-lapsed', 0, 7)], { memberId: 'm', generation: 1, now: NOW + 60_000 });
    assert.deepEqual(outcome, { kind: 'unknown-member' });
    assert.equal(await readOffset(ctx, 'commit-lapsed', 't', 0), undefined);
  });

  it('answers contended, with the reasons, for a transaction conflict', async () => {
    await groupAtGenerationOne('commit-conflict');
    const outcome = await commitGroupOffsets(cancellingOnce(ctx, ['TransactionConflict', 'None', 'None']), 'commit-conflict', [offset('commit-conflict', 0, 7)], {
      memberId: 'm',
      generation: 1,
      now: NOW,
    });
    assert.deepEqual(outcome, { kind: 'contended', reasons: 'TransactionConflict' });
  });

  it('commits a standalone consumer’s offsets without a fence, and reads them by topic', async () => {
    const outcome = await commitGroupOffsets(ctx, 'standalone', [offset('standalone', 0, 3, -1, null), offset('standalone', 1, 4, -1, null)]);
    assert.deepEqual(outcome, { kind: 'committed' });
    assert.deepEqual((await readOffsets(ctx, 'standalone', 't')).map((o) => [o.partition, o.offset, o.memberId]), [
      [0, 3, null],
      [1, 4, null],
    ]);
    assert.deepEqual(await readOffsets(ctx, 'standalone', 'other'), []);
  });
});

describe('member bindings to watch connections', () => {
  const BOUND_LEASE = 8_100_000;

  it('binds a live member: the connection and a lease of the bound length from now', async () => {
    await createMember(ctx, member('bind', 'b1'));
    const bound = await bindMemberLease(ctx, { group: 'bind', memberId: 'b1', connectionId: 'c1' }, BOUND_LEASE, NOW + 1000);
    assert.equal(bound?.connectionId, 'c1');
    assert.equal(bound?.expiresAt, NOW + 1000 + BOUND_LEASE);
  });

  it('refuses to bind a lapsed or missing member', async () => {
    await createMember(ctx, member('bind', 'lapsed', NOW - 1));
    assert.equal(await bindMemberLease(ctx, { group: 'bind', memberId: 'lapsed', connectionId: 'c1' }, BOUND_LEASE, NOW), undefined);
    assert.equal(await bindMemberLease(ctx, { group: 'bind', memberId: 'nobody', connectionId: 'c1' }, BOUND_LEASE, NOW), undefined);
  });

  it('renews a bound member by the bound lease, not the session timeout, so a heartbeat never shortens it', async () => {
    await createMember(ctx, member('bind', 'b2'));
    await bindMemberLease(ctx, { group: 'bind', memberId: 'b2', connectionId: 'c2' }, BOUND_LEASE, NOW);
    const renewed = await renewMemberLease(ctx, 'bind', 'b2', NOW + 5000);
    assert.equal(renewed?.expiresAt, NOW + 5000 + BOUND_LEASE);
  });

  it('releases a member bound to the closing connection: no connection, the session timeout from now, and heartbeats renew by it again', async () => {
    await createMember(ctx, member('bind', 'b3'));
    await bindMemberLease(ctx, { group: 'bind', memberId: 'b3', connectionId: 'c3' }, BOUND_LEASE, NOW);
    assert.equal(await releaseMemberBinding(ctx, { group: 'bind', memberId: 'b3', connectionId: 'c3' }, NOW + 2000), true);
    const [released] = (await readMembers(ctx, 'bind')).filter((m) => m.memberId === 'b3');
    assert.equal(released?.connectionId, undefined);
    assert.equal(released?.expiresAt, NOW + 2000 + 10_000);
    assert.equal((await renewMemberLease(ctx, 'bind', 'b3', NOW + 3000))?.expiresAt, NOW + 3000 + 10_000);
  });

  it('leaves a member bound to another connection alone when an older connection closes', async () => {
    await createMember(ctx, member('bind', 'b4'));
    await bindMemberLease(ctx, { group: 'bind', memberId: 'b4', connectionId: 'old' }, BOUND_LEASE, NOW);
    await bindMemberLease(ctx, { group: 'bind', memberId: 'b4', connectionId: 'new' }, BOUND_LEASE, NOW + 10);
    assert.equal(await releaseMemberBinding(ctx, { group: 'bind', memberId: 'b4', connectionId: 'old' }, NOW + 20), false);
    const [kept] = (await readMembers(ctx, 'bind')).filter((m) => m.memberId === 'b4');
    assert.equal(kept?.connectionId, 'new');
    assert.equal(kept?.expiresAt, NOW + 10 + BOUND_LEASE);
  });

  it('does not release (and so revive) a member whose bound lease lapsed, nor create one that is gone', async () => {
    await createMember(ctx, member('bind', 'b5'));
    await bindMemberLease(ctx, { group: 'bind', memberId: 'b5', connectionId: 'c5' }, BOUND_LEASE, NOW);
    assert.equal(await releaseMemberBinding(ctx, { group: 'bind', memberId: 'b5', connectionId: 'c5' }, NOW + BOUND_LEASE + 1), false);
    assert.equal(await releaseMemberBinding(ctx, { group: 'bind', memberId: 'ghost', connectionId: 'c5' }, NOW), false);
    assert.equal((await readMembers(ctx, 'bind')).some((m) => m.memberId === 'ghost'), false);
  });

  it('finds a connection’s binding items by one Query, and forgets a deleted one; they are no group’s members', async () => {
    await putBinding(ctx, { connectionId: 'c6', group: 'bind', memberId: 'x' }, NOW);
    await putBinding(ctx, { connectionId: 'c6', group: 'other', memberId: 'y' }, NOW);
    await putBinding(ctx, { connectionId: 'c7', group: 'bind', memberId: 'z' }, NOW);
    assert.deepEqual((await queryBindings(ctx, 'c6')).map((b) => `${b.group}/${b.memberId}`).sort(), ['bind/x', 'other/y']);
    await deleteBinding(ctx, { connectionId: 'c6', group: 'bind', memberId: 'x' });
    assert.deepEqual((await queryBindings(ctx, 'c6')).map((b) => b.memberId), ['y']);
    assert.equal((await readMembers(ctx, 'bind')).some((m) => ['x', 'z'].includes(m.memberId)), false);
  });
});
