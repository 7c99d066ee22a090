import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { EMPTY_HEAD, markHeadWatched, readHead, readHeads } from '../../../lib/store/partition-head-store';
import { deleteFiredWatcher, deleteWatcher, putWatcher, queryWatchers, watcherPartitionKey, type Watcher } from '../../../lib/store/watcher-store';
import { getTopic } from '../../../lib/topics/topic-repository';
import { call, type TestPlatform } from '../../support/local-platform';
import { startPlatformContext } from '../../support/platform-context';

/** Watcher items and the head's watchedUntil mark, against DynamoDB Local. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  ({ env, ctx } = await startPlatformContext());
});

after(async () => {
  await env?.stop();
});

const NOW = 1_800_000_000_000;
const watcher = (overrides: Partial<Watcher> = {}): Watcher => ({
  topicId: 'topic-id-1',
  topic: 'orders',
  partition: 0,
  connectionId: 'conn-A=',
  offset: 5,
  expiresAt: NOW + 60_000,
  ...overrides,
});

describe('watcher store', () => {
  it('puts a watcher that the partition query answers, with the TTL attribute in seconds', async () => {
    await putWatcher(ctx, watcher({ topicId: 't-put' }));
    assert.deepEqual(await queryWatchers(ctx, 't-put', 0, NOW), [watcher({ topicId: 't-put' })]);
    const raw = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.log, Key: { pk: watcherPartitionKey('t-put', 0), sk: 'conn-A=' } }));
    assert.equal(raw.Item?.expiresAtSeconds, Math.ceil((NOW + 60_000) / 1000));
  });

  it('keeps one watcher per connection and partition: a re-arm replaces the offset', async () => {
    await putWatcher(ctx, watcher({ topicId: 't-rearm', offset: 5 }));
    await putWatcher(ctx, watcher({ topicId: 't-rearm', offset: 9 }));
    assert.deepEqual((await queryWatchers(ctx, 't-rearm', 0, NOW)).map((w) => w.offset), [9]);
  });

  it('answers only the watchers of the partition asked for', async () => {
    await putWatcher(ctx, watcher({ topicId: 't-part', partition: 0, connectionId: 'a' }));
    await putWatcher(ctx, watcher({ topicId: 't-part', partition: 1, connectionId: 'b' }));
    assert.deepEqual((await queryWatchers(ctx, 't-part', 1, NOW)).map((w) => w.connectionId), ['b']);
  });

  it('leaves out a watcher past its expiry that TTL has not removed yet', async () => {
    await putWatcher(ctx, watcher({ topicId: 't-expired', connectionId: 'old', expiresAt: NOW - 1 }));
    await putWatcher(ctx, watcher({ topicId: 't-expired', connectionId: 'live', expiresAt: NOW + 1 }));
    assert.deepEqual((await queryWatchers(ctx, 't-expired', 0, NOW)).map((w) => w.connectionId), ['live']);
  });

  it('deletes a fired watcher only while it still waits for the same offset', async () => {
    await putWatcher(ctx, watcher({ topicId: 't-fired', offset: 9 }));
    assert.equal(await deleteFiredWatcher(ctx, 't-fired', 0, 'conn-A=', 5), 're-armed');
    assert.equal((await queryWatchers(ctx, 't-fired', 0, NOW)).length, 1, 'the re-armed watch survives');
    assert.equal(await deleteFiredWatcher(ctx, 't-fired', 0, 'conn-A=', 9), 'deleted');
    assert.deepEqual(await queryWatchers(ctx, 't-fired', 0, NOW), []);
    assert.equal(await deleteFiredWatcher(ctx, 't-fired', 0, 'conn-A=', 9), 'deleted', 'already gone counts as deleted');
  });

  it('deletes a watcher whatever its offset when the connection is gone', async () => {
    await putWatcher(ctx, watcher({ topicId: 't-gone', offset: 3 }));
    await deleteWatcher(ctx, 't-gone', 0, 'conn-A=');
    assert.deepEqual(await queryWatchers(ctx, 't-gone', 0, NOW), []);
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
