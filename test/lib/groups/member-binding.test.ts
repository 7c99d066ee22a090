import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { noticeRebalance, releaseConnection, releaseConnectionRetrying } from '../../../lib/groups/member-binding';
import type { ConnectionPoster } from '../../../lib/store/connection-poster';
import { bindMemberLease, createMember, readMembers } from '../../../lib/store/group-store';
import { putBinding, queryBindings } from '../../../lib/store/member-binding-store';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';
import { withIsolatedGroupsTable } from '../store/isolated-groups-table';

/**
 * The coordinator's rebalance notices to bound members and a closing connection's
 * release (lib/groups/member-binding.ts) against DynamoDB Local, with a recording poster
 * standing in for API Gateway's management API, in a Groups table no trigger watches.
 */
let env: TestPlatform;
let ctx: SluiceContext;
const NOW = 5_000_000;
const SESSION = 10_000;
const LEASE = 8_100_000;

before(async () => {
  env = await startTestPlatform();
  ctx = await withIsolatedGroupsTable({ ...contextFromEnv(), now: () => NOW }, 'member-binding');
});

after(async () => {
  await env?.stop();
});

/** A poster that records what it posts and answers `gone` for the connections named. */
function recordingPoster(gone: string[] = []): ConnectionPoster & { posted: { connectionId: string; message: unknown }[] } {
  const posted: { connectionId: string; message: unknown }[] = [];
  return {
    posted,
    async post(connectionId, message) {
      if (gone.includes(connectionId)) return 'gone';
      posted.push({ connectionId, message });
      return 'sent';
    },
  };
}

async function boundMember(group: string, memberId: string, connectionId?: string): Promise<void> {
  await createMember(ctx, { group, memberId, topics: ['t'], sessionTimeoutMs: SESSION, expiresAt: NOW + SESSION, joinedAt: NOW });
  if (connectionId === undefined) return;
  await putBinding(ctx, { connectionId, group, memberId }, NOW + LEASE);
  assert.ok(await bindMemberLease(ctx, { group, memberId, connectionId }, LEASE, NOW));
}

describe('rebalance notices', () => {
  it('posts the generation to each bound member once, and to no unbound one', async () => {
    await boundMember('notice', 'a', 'conn-a');
    await boundMember('notice', 'b', 'conn-b');
    await boundMember('notice', 'c');
    const poster = recordingPoster();
    const outcome = await noticeRebalance(ctx, poster, 'notice', 7);
    assert.deepEqual({ notified: outcome.notified, gone: outcome.gone }, { notified: 2, gone: 0 });
    assert.deepEqual(
      poster.posted.map((p) => p.connectionId).sort(),
      ['conn-a', 'conn-b'],
    );
    for (const { message } of poster.posted) assert.deepEqual(message, { type: 'rebalance', group: 'notice', generation: 7 });
  });

  it("releases a member whose connection is gone (410) as that connection's $disconnect would: unbound, the session timeout from now", async () => {
    await boundMember('gone', 'a', 'conn-gone');
    const outcome = await noticeRebalance(ctx, recordingPoster(['conn-gone']), 'gone', 3);
    assert.equal(outcome.gone, 1);
    const [member] = await readMembers(ctx, 'gone');
    assert.equal(member?.connectionId, undefined);
    assert.equal(member?.expiresAt, NOW + SESSION);
    assert.deepEqual(await queryBindings(ctx, 'conn-gone'), []);
  });

  it('reports a post that failed without stopping the others', async () => {
    await boundMember('failing', 'a', 'conn-fails');
    await boundMember('failing', 'b', 'conn-works');
    const poster: ConnectionPoster = {
      async post(connectionId) {
        if (connectionId === 'conn-fails') throw new Error('throttled');
        return 'sent';
      },
    };
    const outcome = await noticeRebalance(ctx, poster, 'failing', 2);
    assert.equal(outcome.notified, 1);
    assert.equal(outcome.failed.length, 1);
  });
});

describe('a closing connection', () => {
  it('releases every member bound to it and deletes its binding items, and leaves a member it no longer holds alone', async () => {
    await boundMember('close', 'a', 'conn-close');
    await boundMember('close', 'b', 'conn-close');
    await boundMember('close', 'moved', 'conn-close');
    assert.ok(await bindMemberLease(ctx, { group: 'close', memberId: 'moved', connectionId: 'conn-next' }, LEASE, NOW));
    assert.deepEqual(await releaseConnection(ctx, 'conn-close'), { bindings: 3, released: 2 });
    const members = new Map((await readMembers(ctx, 'close')).map((m) => [m.memberId, m]));
    assert.equal(members.get('a')?.expiresAt, NOW + SESSION);
    assert.equal(members.get('b')?.connectionId, undefined);
    assert.equal(members.get('moved')?.connectionId, 'conn-next');
    assert.deepEqual(await queryBindings(ctx, 'conn-close'), []);
  });
});

describe('a closing connection during a storage outage', () => {
  /** The test's context, whose DynamoDB calls fail as unreachable while `down()` says so, with a clock that sleeps move. */
  function flaky(down: (call: number) => boolean): { ctx: SluiceContext; calls: () => number; slept: number[] } {
    let calls = 0;
    let now = NOW;
    const slept: number[] = [];
    const ddb = new Proxy(ctx.ddb, {
      get(target, key, receiver) {
        if (key !== 'send') return Reflect.get(target, key, receiver);
        return (command: never) => {
          if (down(++calls)) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }));
          return target.send(command);
        };
      },
    });
    const sleep = async (ms: number) => {
      slept.push(ms);
      now += ms;
    };
    return { ctx: { ...ctx, ddb, now: () => now, sleep }, calls: () => calls, slept };
  }

  it('waits the outage out and releases its members, backing off from 200 ms', async () => {
    await boundMember('outage', 'a', 'conn-outage');
    const f = flaky((call) => call <= 3);
    const outcome = await releaseConnectionRetrying(f.ctx, 'conn-outage');
    assert.deepEqual(outcome, { bindings: 1, released: 1, attempts: 4 });
    assert.deepEqual(f.slept, [200, 400, 800]);
    // The session timeout started when the connection closed, not when the outage ended.
    assert.equal((await readMembers(ctx, 'outage'))[0]?.expiresAt, NOW + SESSION);
    assert.equal((await readMembers(ctx, 'outage'))[0]?.connectionId, undefined);
    assert.deepEqual(await queryBindings(ctx, 'conn-outage'), []);
  });

  it('gives up with the storage error once the outage outlasts its retry time, leaving the member bound', async () => {
    await boundMember('long-outage', 'a', 'conn-long-outage');
    const f = flaky(() => true);
    await assert.rejects(releaseConnectionRetrying(f.ctx, 'conn-long-outage', NOW, 5_000), { code: 'ECONNREFUSED' });
    assert.ok(f.slept.reduce((a, b) => a + b, 0) <= 5_000);
    assert.equal((await readMembers(ctx, 'long-outage'))[0]?.connectionId, 'conn-long-outage');
  });

  it('does not retry an error that is not a storage outage', async () => {
    const f = { ...ctx, ddb: new Proxy(ctx.ddb, { get: (t, k, r) => (k === 'send' ? () => Promise.reject(new Error('ValidationException')) : Reflect.get(t, k, r)) }) };
    let slept = 0;
    await assert.rejects(releaseConnectionRetrying({ ...f, sleep: async () => void slept++ }, 'conn-bad'), /ValidationException/);
    assert.equal(slept, 0);
  });
});
