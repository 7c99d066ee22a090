import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Pull consumer groups end to end: the HTTP routes, the coordinator driven by the local
 * DynamoDB Streams emulation, DynamoDB Local and s3rver.
 */
let env: TestPlatform;

before(async () => {
  env = await startTestPlatform();
});

after(async () => {
  await env?.stop();
});

interface View {
  memberId: string;
  generation: number;
  assignment: { topic: string; partitions: number[] }[];
  rebalanceInProgress: boolean;
}

const join = async (group: string, body: Record<string, unknown>): Promise<View> => {
  const { status, body: view } = await call(env.url, 'POST', `/v1/groups/${group}/members`, body);
  assert.equal(status, 201, JSON.stringify(view));
  return view;
};
const heartbeat = async (group: string, memberId: string) => call(env.url, 'POST', `/v1/groups/${group}/members/${memberId}/heartbeat`);
const partitionsOf = (view: View) => view.assignment.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p}`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Heartbeats the given members until every one reports a settled assignment of the same generation. */
async function settle(group: string, memberIds: string[], deadlineMs = 30_000): Promise<Map<string, View>> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const views = new Map<string, View>();
    for (const id of memberIds) {
      const { status, body } = await heartbeat(group, id);
      assert.equal(status, 200, JSON.stringify(body));
      views.set(id, body);
    }
    const generations = new Set([...views.values()].map((v) => v.generation));
    if (generations.size === 1 && [...views.values()].every((v) => !v.rebalanceInProgress)) return views;
    if (Date.now() > deadline) assert.fail(`group ${group} did not settle: ${JSON.stringify([...views.values()])}`);
    await sleep(200);
  }
}

const commit = (group: string, body: Record<string, unknown>) => call(env.url, 'POST', `/v1/groups/${group}/offsets`, body);

describe('pull consumer groups', () => {
  it('moves a silent member’s partitions to the others, bumps the generation, refuses the zombie’s commit, and never moves a committed offset back', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'group-orders', partitions: 6 });
    for (let p = 0; p < 6; p++) {
      await call(env.url, 'POST', '/v1/topics/group-orders/records', { records: Array.from({ length: 10 }, (_, i) => ({ value: `p${p}-${i}`, partition: p })) });
    }
    const members = [];
    for (let i = 0; i < 3; i++) members.push(await join('g1', { topics: ['group-orders'], sessionTimeoutMs: 3000, resetPolicy: 'earliest' }));
    const ids = members.map((m) => m.memberId);
    const first = await settle('g1', ids);
    const firstGeneration = first.get(ids[0]!)!.generation;
    const owned = [...first.values()].map(partitionsOf);
    assert.deepEqual(owned.map((o) => o.length), [2, 2, 2]);
    assert.equal(new Set(owned.flat()).size, 6);

    // Every member commits offset 5 on each of its partitions.
    const committed = new Map<string, number>();
    for (const [id, view] of first) {
      const offsets = partitionsOf(view).map((tp) => ({ topic: 'group-orders', partition: Number(tp.split('/')[1]), offset: 5 }));
      const result = await commit('g1', { memberId: id, generation: view.generation, offsets });
      assert.equal(result.status, 200, JSON.stringify(result.body));
      for (const o of offsets) committed.set(`${o.topic}/${o.partition}`, o.offset);
    }

    // The third member goes silent; the other two keep heartbeating until they own everything.
    const [a, b, zombie] = ids as [string, string, string];
    const zombieView = first.get(zombie)!;
    const zombiePartitions = partitionsOf(zombieView);
    const deadline = Date.now() + 60_000;
    let after: Map<string, View>;
    for (;;) {
      after = await settle('g1', [a, b]);
      if (after.get(a)!.generation > firstGeneration && partitionsOf(after.get(a)!).length + partitionsOf(after.get(b)!).length === 6) break;
      assert.ok(Date.now() < deadline, 'the silent member’s partitions were never reassigned');
      await sleep(300);
    }
    const survivors = [...after.values()].flatMap(partitionsOf);
    assert.equal(new Set(survivors).size, 6);
    for (const tp of zombiePartitions) assert.ok(survivors.includes(tp));
    // Sticky: the survivors kept what they had.
    for (const id of [a, b]) for (const tp of partitionsOf(first.get(id)!)) assert.ok(partitionsOf(after.get(id)!).includes(tp));

    // The zombie, unaware, tries to commit further progress with its old generation.
    const zombieCommit = await commit('g1', {
      memberId: zombie,
      generation: zombieView.generation,
      offsets: zombiePartitions.map((tp) => ({ topic: 'group-orders', partition: Number(tp.split('/')[1]), offset: 9 })),
    });
    assert.equal(zombieCommit.status, 409);
    assert.equal(zombieCommit.body.error.code, 'ILLEGAL_GENERATION');
    assert.equal((await heartbeat('g1', zombie)).body.error.code, 'UNKNOWN_MEMBER');

    // New owners resume from the committed offsets and commit forward; nothing went back.
    const positions = (await call(env.url, 'GET', '/v1/groups/g1/offsets?topic=group-orders')).body.partitions;
    for (const p of positions) assert.equal(p.committedOffset, committed.get(`group-orders/${p.partition}`));
    for (const [id, view] of after) {
      const offsets = partitionsOf(view).map((tp) => ({ topic: 'group-orders', partition: Number(tp.split('/')[1]), offset: 10 }));
      assert.equal((await commit('g1', { memberId: id, generation: view.generation, offsets })).status, 200);
    }
    const final = (await call(env.url, 'GET', '/v1/groups/g1/offsets')).body;
    for (const p of final.partitions) {
      assert.ok(p.committedOffset >= committed.get(`group-orders/${p.partition}`)!, 'no committed offset went backwards');
      assert.equal(p.lag, 0);
    }
  });

  it('refuses a commit for a partition assigned to another member', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'group-two', partitions: 2 });
    const m1 = await join('g2', { topics: ['group-two'], sessionTimeoutMs: 10_000 });
    const m2 = await join('g2', { topics: ['group-two'], sessionTimeoutMs: 10_000 });
    const views = await settle('g2', [m1.memberId, m2.memberId]);
    const mine = views.get(m1.memberId)!;
    const theirs = partitionsOf(views.get(m2.memberId)!)[0]!;
    const result = await commit('g2', { memberId: m1.memberId, generation: mine.generation, offsets: [{ topic: 'group-two', partition: Number(theirs.split('/')[1]), offset: 1 }] });
    assert.equal(result.status, 409);
    assert.equal(result.body.error.code, 'PARTITION_NOT_ASSIGNED');
  });

  it('rebalances when a member leaves explicitly', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'group-leave', partitions: 4 });
    const m1 = await join('g3', { topics: ['group-leave'], sessionTimeoutMs: 10_000 });
    const m2 = await join('g3', { topics: ['group-leave'], sessionTimeoutMs: 10_000 });
    const before = await settle('g3', [m1.memberId, m2.memberId]);
    assert.equal((await call(env.url, 'DELETE', `/v1/groups/g3/members/${m2.memberId}`)).status, 204);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const view = (await settle('g3', [m1.memberId])).get(m1.memberId)!;
      if (view.generation > before.get(m1.memberId)!.generation) {
        assert.equal(partitionsOf(view).length, 4);
        break;
      }
      assert.ok(Date.now() < deadline);
      await sleep(200);
    }
  });

  it('reports positions by the reset policy for partitions never committed, with lag', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'group-reset', partitions: 1 });
    await call(env.url, 'POST', '/v1/topics/group-reset/records', { records: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await join('g-earliest', { topics: ['group-reset'], resetPolicy: 'earliest' });
    await join('g-latest', { topics: ['group-reset'], resetPolicy: 'latest' });
    const earliest = (await call(env.url, 'GET', '/v1/groups/g-earliest/offsets?topic=group-reset')).body.partitions[0];
    const latest = (await call(env.url, 'GET', '/v1/groups/g-latest/offsets?topic=group-reset')).body.partitions[0];
    assert.deepEqual([earliest.committedOffset, earliest.position, earliest.lag], [null, 0, 3]);
    assert.deepEqual([latest.committedOffset, latest.position, latest.lag], [null, 3, 0]);
  });

  it('lets a standalone consumer commit to a group without members, and refuses it while members are live', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'group-standalone' });
    const alone = await commit('standalone', { offsets: [{ topic: 'group-standalone', partition: 0, offset: 0 }] });
    assert.equal(alone.status, 200);
    await join('busy', { topics: ['group-standalone'] });
    const refused = await commit('busy', { offsets: [{ topic: 'group-standalone', partition: 0, offset: 0 }] });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'GROUP_ACTIVE');
  });

  it('lists and describes groups with members, assignment and lag', async () => {
    const list = (await call(env.url, 'GET', '/v1/groups')).body.groups;
    assert.ok(list.some((g: { group: string }) => g.group === 'g1'));
    const described = (await call(env.url, 'GET', '/v1/groups/g3')).body;
    assert.equal(described.group, 'g3');
    assert.equal(described.memberDetails.length, 1);
    assert.equal(described.partitions.length, 4);
    assert.equal(typeof described.totalLag, 'number');
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const noTopics = await call(env.url, 'POST', '/v1/groups/bad/members', { topics: [] });
    assert.equal(noTopics.status, 400);
    assert.equal(noTopics.body.error.field, 'topics');
    const halfMember = await commit('bad', { memberId: 'x', offsets: [{ topic: 'group-two', partition: 0, offset: 1 }] });
    assert.equal(halfMember.status, 400);
    assert.equal(halfMember.body.error.field, 'generation');
    const missingTopic = await call(env.url, 'POST', '/v1/groups/bad/members', { topics: ['no-such-topic'] });
    assert.equal(missingTopic.status, 404);
  });
});
