import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { rebalance, rebalanceGroupsOfTopic } from '../../../lib/groups/coordinator';
import { joinGroup } from '../../../lib/groups/membership';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { readMeta } from '../../../lib/store/group-store';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';
import { withIsolatedGroupsTable } from '../store/isolated-groups-table';

/** The coordinator against DynamoDB Local (a Groups table no platform trigger rebalances), with generation writes made to lose races. */
let env: TestPlatform;
let base: SluiceContext;

before(async () => {
  env = await startTestPlatform();
  base = await withIsolatedGroupsTable(contextFromEnv(), 'coordinator');
  await call(env.url, 'POST', '/v1/topics', { name: 'coordinated', partitions: 2 });
});

after(async () => {
  await env?.stop();
});

/** A context whose first `losses` generation writes fail as if another coordinator had moved the generation, recording its waits. */
function losingRaces(losses: number): { ctx: SluiceContext; waits: number[] } {
  const waits: number[] = [];
  let lost = 0;
  const ddb = new Proxy(base.ddb, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: unknown, ...rest: unknown[]) => {
        if (command instanceof UpdateCommand && command.input.ConditionExpression === 'generation = :current' && lost < losses) {
          lost++;
          return Promise.reject(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
        }
        return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      };
    },
  });
  return { ctx: { ...base, ddb, random: () => 0.5, sleep: async (ms: number) => void waits.push(ms) }, waits };
}

describe('rebalance', () => {
  it('decides again after losing a race for the generation, waiting a jittered backoff in between', async () => {
    await joinGroup(base, 'raced-once', { topics: ['coordinated'], sessionTimeoutMs: 60_000, assignor: 'sticky', resetPolicy: 'latest' });
    const { ctx, waits } = losingRaces(2);
    const outcome = await rebalance(ctx, 'raced-once');
    assert.deepEqual(outcome, { group: 'raced-once', generation: 1, changed: true });
    assert.equal(waits.length, 2);
    assert.ok(waits[1]! > waits[0]! && waits[0]! > 0, `waits grow: ${waits.join(', ')}`);
  });

  it('gives up after 10 lost races with an error saying so', async () => {
    await joinGroup(base, 'raced-always', { topics: ['coordinated'], sessionTimeoutMs: 60_000, assignor: 'sticky', resetPolicy: 'latest' });
    const { ctx, waits } = losingRaces(Number.POSITIVE_INFINITY);
    await assert.rejects(rebalance(ctx, 'raced-always'), /Group 'raced-always': gave up rebalancing after 10 conflicting attempts/);
    assert.equal(waits.length, 9);
  });
});

describe('rebalanceGroupsOfTopic', () => {
  it('rebalances exactly the groups with members whose assignment was computed for the topic with another count', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'widening', partitions: 1 });
    const join = (group: string, topics: string[]) => joinGroup(base, group, { topics, sessionTimeoutMs: 60_000, assignor: 'sticky', resetPolicy: 'latest' });
    await join('on-widening', ['widening']);
    await join('on-both', ['coordinated', 'widening']);
    await join('on-other', ['coordinated']);
    for (const group of ['on-widening', 'on-both', 'on-other']) assert.equal((await rebalance(base, group)).generation, 1);
    await call(env.url, 'POST', '/v1/topics/widening/partitions', { count: 3 });
    const { rebalanced, failed } = await rebalanceGroupsOfTopic(base, 'widening', 3);
    assert.deepEqual(failed, []);
    assert.deepEqual(rebalanced.map((o) => [o.group, o.generation, o.changed]).sort(), [['on-both', 2, true], ['on-widening', 2, true]]);
    assert.deepEqual((await readMeta(base, 'on-widening'))?.topicPartitions, { widening: 3 });
    assert.equal((await readMeta(base, 'on-other'))?.generation, 1);
    assert.deepEqual((await rebalanceGroupsOfTopic(base, 'widening', 3)).rebalanced, [], 'nothing left to rebalance');
  });
});
