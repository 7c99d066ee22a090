import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { countsOf, RequestCounter } from '../../../lib/cost/request-accounting';
import { rebalance } from '../../../lib/groups/coordinator';
import { heartbeat, joinGroup } from '../../../lib/groups/membership';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { createDynamoDocumentClient } from '../../../lib/store/aws-clients';
import { readMembers } from '../../../lib/store/group-store';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';
import { withIsolatedGroupsTable } from '../store/isolated-groups-table';

/**
 * The lapsed-member sweep of heartbeats: about once per heartbeat interval per group (each
 * heartbeat with probability 1/N, N the generation's members, drawn from ctx.random), not
 * on every member's heartbeat. Against DynamoDB Local, on a Groups table no platform
 * trigger or schedule acts on, with clocks and randomness of the test's choosing.
 */
let env: TestPlatform;
let base: SluiceContext;
let counter: RequestCounter;

const T = Date.now();

before(async () => {
  env = await startTestPlatform();
  const isolated = await withIsolatedGroupsTable(contextFromEnv(), 'heartbeat-sweep');
  // A client of its own, so that only these calls are counted.
  base = { ...isolated, ddb: createDynamoDocumentClient(process.env) };
  counter = new RequestCounter().attach(base.ddb);
  await call(env.url, 'POST', '/v1/topics', { name: 'swept', partitions: 3 });
});

after(async () => {
  await env?.stop();
});

const at = (now: number, random: number): SluiceContext => ({ ...base, now: () => now, random: () => random });

/** Three members in generation 1; the third's lease lapses 1 s after T. */
async function groupOfThree(group: string): Promise<[string, string, string]> {
  const join = async (sessionTimeoutMs: number) =>
    (await joinGroup(at(T, 0.5), group, { topics: ['swept'], sessionTimeoutMs, assignor: 'sticky', resetPolicy: 'earliest' })).memberId;
  const ids: [string, string, string] = [await join(60_000), await join(60_000), await join(1_000)];
  await rebalance(at(T, 0.5), group);
  return ids;
}

describe('heartbeat', () => {
  it('does not read the members when its draw is at or above 1/N: no Query, the lapsed member stays, the generation reads settled', async () => {
    const [a, , lapsed] = await groupOfThree('sweep-skipped');
    const before = counter.snapshot();
    const view = await heartbeat(at(T + 5_000, 1 / 3), 'sweep-skipped', a);
    const counts = counter.diff(before, counter.snapshot());
    assert.equal(countsOf(counts, 'DynamoDB', 'Query').requests, 0);
    assert.equal(countsOf(counts, 'DynamoDB', 'DeleteItem').requests, 0);
    assert.equal(view.rebalanceInProgress, false);
    assert.ok((await readMembers(base, 'sweep-skipped')).some((m) => m.memberId === lapsed));
  });

  it('sweeps when its draw is below 1/N: deletes the lapsed member and reports the rebalance', async () => {
    const [a, b, lapsed] = await groupOfThree('sweep-done');
    const before = counter.snapshot();
    const view = await heartbeat(at(T + 5_000, 0.3), 'sweep-done', a);
    const counts = counter.diff(before, counter.snapshot());
    assert.equal(countsOf(counts, 'DynamoDB', 'Query').requests, 1);
    assert.equal(view.rebalanceInProgress, true);
    assert.deepEqual((await readMembers(base, 'sweep-done')).map((m) => m.memberId).sort(), [a, b].sort());
    assert.ok(!(await readMembers(base, 'sweep-done')).some((m) => m.memberId === lapsed));
  });

  it('always sweeps in a group whose generation has one member or none yet', async () => {
    const { memberId } = await joinGroup(at(T, 0.5), 'sweep-alone', { topics: ['swept'], sessionTimeoutMs: 60_000, assignor: 'sticky', resetPolicy: 'earliest' });
    const queriesOf = async (beat: () => Promise<unknown>) => {
      const before = counter.snapshot();
      await beat();
      return countsOf(counter.diff(before, counter.snapshot()), 'DynamoDB', 'Query').requests;
    };
    assert.equal(await queriesOf(async () => assert.equal((await heartbeat(at(T + 1_000, 0.99), 'sweep-alone', memberId)).rebalanceInProgress, true)), 1);
    await rebalance(at(T + 1_000, 0.5), 'sweep-alone');
    assert.equal(await queriesOf(async () => assert.equal((await heartbeat(at(T + 2_000, 0.99), 'sweep-alone', memberId)).rebalanceInProgress, false)), 1);
  });
});
