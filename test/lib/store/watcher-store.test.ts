import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { operationRows, RequestCounter } from '../../../lib/cost/request-accounting';
import { EMPTY_HEAD, markHeadWatched, readHead, readHeads } from '../../../lib/store/partition-head-store';
import { armWatcher, deleteWatcher, queryWatchers, removeFiredWatch, watcherPartitionKey } from '../../../lib/store/watcher-store';
import { getTopic } from '../../../lib/topics/topic-repository';
import { call, type TestPlatform } from '../../support/local-platform';
import { startPlatformContext } from '../../support/platform-context';

/** Watcher items (one per connection and topic) and the head's watchedUntil mark, against DynamoDB Local. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  ({ env, ctx } = await startPlatformContext());
});

after(async () => {
  await env?.stop();
});

const NOW = 1_800_000_000_000;
const EXPIRES = NOW + 60_000;

/** Arms `offsets` (partition → offset) on a connection's item for topic `topicId`. */
const arm = (topicId: string, connectionId: string, offsets: Record<number, number>, expiresAt = EXPIRES) =>
  armWatcher(ctx, { topicId, topic: 'orders', connectionId, partitions: Object.entries(offsets).map(([p, offset]) => ({ partition: Number(p), offset })), expiresAt });

/** Each live watcher of the topic as `connection: p@offset …`, partitions in order. */
async function watching(topicId: string, partitions?: number[]): Promise<string[]> {
  const watchers = await queryWatchers(ctx, topicId, NOW, partitions);
  return watchers
    .map((w) => `${w.connectionId}: ${[...w.offsets].sort((x, y) => x[0] - y[0]).map(([p, o]) => `${p}@${o}`).join(' ')}`)
    .sort();
}

describe('watcher store', () => {
  it('arms several partitions of a topic in one UpdateItem on one item, which the topic query answers with the TTL attribute in seconds', async () => {
    const counter = new RequestCounter().attach(ctx.ddb);
    await arm('t-arm', 'conn-A=', { 0: 5, 3: 7, 9: 0 });
    const requests = operationRows(counter.snapshot()).map((row) => `${row.operation} ${row.requests}`);
    counter.detach(ctx.ddb);
    assert.deepEqual(requests, ['UpdateItem 1']);
    const [watcher] = await queryWatchers(ctx, 't-arm', NOW);
    assert.deepEqual(watcher, { topicId: 't-arm', topic: 'orders', connectionId: 'conn-A=', offsets: new Map([[0, 5], [3, 7], [9, 0]]), expiresAt: EXPIRES });
    const raw = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.log, Key: { pk: watcherPartitionKey('t-arm'), sk: 'conn-A=' } }));
    assert.equal(raw.Item?.expiresAtSeconds, Math.ceil(EXPIRES / 1000));
  });

  it('keeps one item per connection and topic: a later arm adds partitions, replaces the offset of one named again and keeps the rest', async () => {
    await arm('t-rearm', 'conn-A=', { 0: 5, 1: 2 });
    await arm('t-rearm', 'conn-A=', { 1: 9, 4: 1 });
    assert.deepEqual(await watching('t-rearm'), ['conn-A=: 0@5 1@9 4@1']);
  });

  it('arms 256 partitions in one UpdateItem', async () => {
    const offsets = Object.fromEntries(Array.from({ length: 256 }, (_, p) => [p, 1_000_000 + p]));
    await arm('t-wide', 'conn-A=', offsets);
    const [watcher] = await queryWatchers(ctx, 't-wide', NOW);
    assert.equal(watcher!.offsets.size, 256);
    assert.equal(watcher!.offsets.get(255), 1_000_255);
  });

  it('answers, for the partitions asked for, only the connections waiting on one of them and only those offsets', async () => {
    await arm('t-part', 'a', { 0: 1 });
    await arm('t-part', 'b', { 1: 2, 2: 3 });
    await arm('t-part', 'c', { 0: 4, 2: 5 });
    assert.deepEqual(await watching('t-part', [2]), ['b: 2@3', 'c: 2@5']);
    assert.deepEqual(await watching('t-other', [0]), [], 'another topic has its own watchers');
  });

  it('leaves out a watcher past its expiry that TTL has not removed yet', async () => {
    await arm('t-expired', 'old', { 0: 5 }, NOW - 1);
    await arm('t-expired', 'live', { 0: 5 }, NOW + 1);
    assert.deepEqual(await watching('t-expired', [0]), ['live: 0@5']);
  });

  it('removes a fired partition only while it still waits for the same offset, leaving the connection\'s other partitions', async () => {
    await arm('t-fired', 'conn-A=', { 0: 9, 1: 4 });
    assert.equal(await removeFiredWatch(ctx, 't-fired', 'conn-A=', 0, 5), 'not-waiting');
    assert.deepEqual(await watching('t-fired'), ['conn-A=: 0@9 1@4'], 'the re-armed watch survives');
    assert.equal(await removeFiredWatch(ctx, 't-fired', 'conn-A=', 0, 9), 'removed');
    assert.deepEqual(await watching('t-fired'), ['conn-A=: 1@4']);
    assert.equal(await removeFiredWatch(ctx, 't-fired', 'conn-A=', 0, 9), 'not-waiting', 'already gone');
  });

  it('creates no item when removing a watch of a connection that has none', async () => {
    assert.equal(await removeFiredWatch(ctx, 't-none', 'conn-A=', 0, 9), 'not-waiting');
    const raw = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.log, Key: { pk: watcherPartitionKey('t-none'), sk: 'conn-A=' } }));
    assert.equal(raw.Item, undefined);
  });

  it('deletes every watch of a gone connection on the topic, whatever they wait for, and no other connection\'s', async () => {
    await arm('t-gone', 'conn-A=', { 0: 3, 1: 4 });
    await arm('t-gone', 'conn-B=', { 0: 3 });
    await deleteWatcher(ctx, 't-gone', 'conn-A=');
    assert.deepEqual(await watching('t-gone'), ['conn-B=: 0@3']);
  });
});

describe('head marked watched', () => {
  async function topic(name: string): Promise<{ name: string; topicId: string }> {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name, partitions: 2 })).status, 201);
    return { name, topicId: (await getTopic(ctx, name)).topicId };
  }

  it('marks a written head without touching its offsets, and readHead answers watchedUntil', async () => {
    const t = await topic('marked');
    assert.equal((await call(env.url, 'POST', '/v1/topics/marked/records', { records: [{ value: 'a', partition: 0 }] })).status, 200);
    assert.deepEqual(await markHeadWatched(ctx, t, 0, NOW + 100, NOW + 50), { kind: 'marked' });
    const head = await readHead(ctx, t.topicId, 0);
    assert.equal(head.watchedUntil, NOW + 100);
    assert.equal(head.nextOffset, 1);
    assert.equal((await readHeads(ctx, t.topicId, [0])).get(0)?.watchedUntil, NOW + 100);
  });

  it('writes nothing while watchedUntil reaches renewBefore, and renews once it does not', async () => {
    const t = await topic('renew');
    assert.deepEqual(await markHeadWatched(ctx, t, 0, NOW + 100, NOW + 50), { kind: 'marked' });
    assert.deepEqual(await markHeadWatched(ctx, t, 0, NOW + 120, NOW + 100), { kind: 'already-watched' });
    assert.equal((await readHead(ctx, t.topicId, 0)).watchedUntil, NOW + 100);
    assert.deepEqual(await markHeadWatched(ctx, t, 0, NOW + 300, NOW + 200), { kind: 'marked' });
    assert.equal((await readHead(ctx, t.topicId, 0)).watchedUntil, NOW + 300);
  });

  it('gives a never-written partition an empty head that reads as before, and the first produce commits onto it keeping the mark', async () => {
    const t = await topic('fresh');
    assert.deepEqual(await readHead(ctx, t.topicId, 1), EMPTY_HEAD);
    await markHeadWatched(ctx, t, 1, NOW + 100, NOW + 50);
    assert.deepEqual(await readHead(ctx, t.topicId, 1), { ...EMPTY_HEAD, watchedUntil: NOW + 100 });
    const produced = await call(env.url, 'POST', '/v1/topics/fresh/records', { records: [{ value: 'a', partition: 1 }, { value: 'b', partition: 1 }] });
    assert.equal(produced.status, 200);
    assert.deepEqual(produced.body.records.map((r: { offset: number }) => r.offset), [0, 1]);
    const head = await readHead(ctx, t.topicId, 1);
    assert.equal(head.nextOffset, 2);
    assert.equal(head.watchedUntil, NOW + 100, 'commits keep the mark, so their stream images carry it');
  });
});
