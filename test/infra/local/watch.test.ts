import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { operationRows, RequestCounter } from '../../../lib/cost/request-accounting';
import { WATCH_PARTITIONS_MAX } from '../../../lib/protocol/watch';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { headKey } from '../../../lib/store/partition-head-store';
import { queryWatchers, WATCH_KEY_PREFIX } from '../../../lib/store/watcher-store';
import { getTopic } from '../../../lib/topics/topic-repository';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';
import { eventually } from '../../support/eventually';
import { TestWatchClient } from '../../support/watch-client';

/**
 * Waiting at the tail over the local platform's WebSocket emulation, with a real
 * WebSocket client: the watch handler, produce's fast path and the notify-watchers
 * stream trigger, against DynamoDB Local. Runs with token authentication and ACLs.
 */
process.env.SLUICE_AUTH_TOKENS = 'admin=t-admin,reader=t-reader,stranger=t-stranger';
process.env.SLUICE_ADMIN_PRINCIPALS = 'admin';

let env: TestPlatform;
const ctx = () => contextFromEnv();

async function as(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(env.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function produce(topic: string, partition: number, count = 1): Promise<number> {
  const produced = await as('t-admin', 'POST', `/v1/topics/${topic}/records`, { records: Array.from({ length: count }, (_, i) => ({ value: `v${i}`, partition })) });
  assert.equal(produced.status, 200);
  return produced.body.records.at(-1).offset + 1;
}

const connect = (token = 't-reader') => TestWatchClient.open(`${env.platform.watchUrl}?token=${token}`);

/** The keys of every watcher item in the Log table (a test-only Scan). */
async function watcherKeys(): Promise<Set<string>> {
  const result = await ctx().ddb.send(new ScanCommand({ TableName: ctx().tables.log, FilterExpression: 'begins_with(pk, :w)', ExpressionAttributeValues: { ':w': WATCH_KEY_PREFIX } }));
  return new Set((result.Items ?? []).map((item) => `${String(item.pk)} ${String(item.sk)}`));
}

/** Watcher items written since `before` was taken (other tests' watchers may have gone meanwhile). */
async function newWatchers(before: Set<string>): Promise<string[]> {
  return [...(await watcherKeys())].filter((key) => !before.has(key));
}

/** Lets every stream trigger deliver what the stream holds now (so a late backstop does not interleave). */
async function drainTriggers(): Promise<void> {
  await Promise.all([...env.platform.triggers.values()].map((trigger) => trigger.drain()));
}

before(async () => {
  env = await startTestPlatform();
  for (const name of ['tail', 'secret']) assert.equal((await as('t-admin', 'POST', '/v1/topics', { name, partitions: 2 })).status, 201);
  for (const resourceName of ['tail']) {
    for (const operation of ['READ', 'DESCRIBE']) {
      assert.equal((await as('t-admin', 'POST', '/v1/acls', { principal: 'reader', resourceType: 'TOPIC', resourceName, operation, permission: 'ALLOW' })).status, 201);
    }
  }
});

after(async () => {
  await env?.stop();
});

describe('waiting at the tail (local WebSocket API)', { timeout: 60_000 }, () => {
  it('arms a watch at the tail and sends ready with the new high watermark when records are produced', async () => {
    const tail = await produce('tail', 0);
    const client = await connect();
    const answer = await client.watch([{ topic: 'tail', partition: 0, offset: tail }]);
    assert.deepEqual(answer.at(-1), { type: 'armed', partitions: [{ topic: 'tail', partition: 0, offset: tail }] });
    const highWatermark = await produce('tail', 0, 3);
    assert.deepEqual(await client.next((m) => m.type === 'ready'), { type: 'ready', topic: 'tail', partition: 0, highWatermark });
    client.close();
  });

  it('answers ready at once, and arms nothing, when the records were committed before the watch', async () => {
    const before = await produce('tail', 0);
    const highWatermark = await produce('tail', 0, 2);
    await drainTriggers();
    const client = await connect();
    const answer = await client.watch([{ topic: 'tail', partition: 0, offset: before }]);
    assert.deepEqual(answer, [
      { type: 'ready', topic: 'tail', partition: 0, highWatermark },
      { type: 'armed', partitions: [] },
    ]);
    const { topicId } = await getTopic(ctx(), 'tail');
    assert.deepEqual(await queryWatchers(ctx(), topicId, Date.now(), [0]), [], 'the fired watch is forgotten');
    client.close();
  });

  it('answers a watch of several partitions with a ready for those already past, then one armed naming the rest', async () => {
    const past = await produce('tail', 0);
    const highWatermark0 = await produce('tail', 0);
    const tail1 = await produce('tail', 1);
    await drainTriggers();
    const client = await connect();
    const answer = await client.watch([
      { topic: 'tail', partition: 0, offset: past },
      { topic: 'tail', partition: 1, offset: tail1 },
    ]);
    assert.deepEqual(answer, [
      { type: 'ready', topic: 'tail', partition: 0, highWatermark: highWatermark0 },
      { type: 'armed', partitions: [{ topic: 'tail', partition: 1, offset: tail1 }] },
    ]);
    client.close();
  });

  it('does not tell a watcher of partition 1 about records in partition 0', async () => {
    const tail1 = await produce('tail', 1);
    const client = await connect();
    await client.watch([{ topic: 'tail', partition: 1, offset: tail1 }]);
    await produce('tail', 0);
    const highWatermark = await produce('tail', 1);
    // The first ready this connection gets is partition 1's, from the second produce.
    assert.deepEqual(await client.next((m) => m.type === 'ready'), { type: 'ready', topic: 'tail', partition: 1, highWatermark });
    client.close();
  });

  it('arms the partitions of a topic in one watcher item of the connection, and a commit to one of them leaves the other armed', async () => {
    const tail0 = await produce('tail', 0);
    const tail1 = await produce('tail', 1);
    await drainTriggers();
    const watchersBefore = await watcherKeys();
    const client = await connect();
    await client.watch([
      { topic: 'tail', partition: 0, offset: tail0 },
      { topic: 'tail', partition: 1, offset: tail1 },
    ]);
    const added = await newWatchers(watchersBefore);
    assert.equal(added.length, 1, 'one item for the connection and topic');
    const connectionId = added[0]!.split(' ')[1];
    const highWatermark = await produce('tail', 0);
    assert.deepEqual(await client.next((m) => m.type === 'ready'), { type: 'ready', topic: 'tail', partition: 0, highWatermark });
    await drainTriggers();
    const { topicId } = await getTopic(ctx(), 'tail');
    const mine = (await queryWatchers(ctx(), topicId, Date.now())).find((w) => w.connectionId === connectionId);
    assert.deepEqual([...mine!.offsets], [[1, tail1]], 'partition 0 fired and was removed; partition 1 still waits');
    client.close();
  });

  it('answers a check with ready for the partitions past their offset, then checked, and writes nothing', async () => {
    const before = await produce('tail', 0);
    const highWatermark = await produce('tail', 0);
    const tail1 = await produce('tail', 1);
    await drainTriggers();
    const client = await connect();
    const counter = new RequestCounter().attach(ctx().ddb).attach(ctx().s3);
    client.send({ action: 'check', partitions: [{ topic: 'tail', partition: 0, offset: before }, { topic: 'tail', partition: 1, offset: tail1 }] });
    await client.next((m) => m.type === 'checked');
    const operations = operationRows(counter.snapshot()).map((row) => row.operation);
    counter.detach(ctx().ddb).detach(ctx().s3);
    assert.deepEqual(client.received, [
      { type: 'ready', topic: 'tail', partition: 0, highWatermark },
      { type: 'checked', waiting: 1 },
    ]);
    assert.deepEqual(operations.filter((op) => !['GetItem', 'BatchGetItem', 'Query'].includes(op)), [], 'a check writes nothing');
    client.close();
  });

  it('refuses a check of a topic the principal may not read, per partition, with ACCESS_DENIED', async () => {
    const client = await connect('t-stranger');
    client.send({ action: 'check', partitions: [{ topic: 'tail', partition: 0, offset: 0 }] });
    await client.next((m) => m.type === 'checked');
    assert.deepEqual(
      client.received.map((m) => [m.type, m.topic, m.partition, m.error?.code]),
      [
        ['watch-error', 'tail', 0, 'ACCESS_DENIED'],
        ['checked', undefined, undefined, undefined],
      ],
    );
    client.close();
  });

  it('refuses a topic the principal may not read with watch-error ACCESS_DENIED, and writes no watcher', async () => {
    const watchersBefore = await watcherKeys();
    const client = await connect('t-stranger');
    const answer = await client.watch([{ topic: 'tail', partition: 0, offset: 0 }]);
    assert.equal(answer[0].type, 'watch-error');
    assert.equal(answer[0].topic, 'tail');
    assert.equal(answer[0].partition, 0);
    assert.equal(answer[0].error.code, 'ACCESS_DENIED');
    assert.deepEqual(answer.at(-1), { type: 'armed', partitions: [] });
    assert.deepEqual(await newWatchers(watchersBefore), []);
    client.close();
  });

  it('refuses a connect without a known bearer token', async () => {
    await assert.rejects(TestWatchClient.open(env.platform.watchUrl));
    await assert.rejects(connect('t-unknown'));
  });

  it('deletes the watcher of a connection that went away when it would notify it (410 Gone)', async () => {
    const tail = await produce('tail', 0);
    const client = await connect();
    await client.watch([{ topic: 'tail', partition: 0, offset: tail }]);
    const { topicId } = await getTopic(ctx(), 'tail');
    assert.equal((await queryWatchers(ctx(), topicId, Date.now(), [0])).length, 1);
    const open = env.platform.watch.connectionCount;
    client.close();
    await client.closed;
    await eventually(async () => env.platform.watch.connectionCount < open, 'the server saw the close');
    await produce('tail', 0);
    await eventually(async () => (await queryWatchers(ctx(), topicId, Date.now(), [0])).length === 0, 'the gone watcher is deleted');
  });

  it('notifies through the stream trigger when a commit did not come through produce (the backstop)', async () => {
    const tail = await produce('tail', 1);
    const client = await connect();
    await client.watch([{ topic: 'tail', partition: 1, offset: tail }]);
    // A head moved without produce's fast path: only the Log stream can tell the watcher.
    const { topicId } = await getTopic(ctx(), 'tail');
    await ctx().ddb.send(
      new UpdateCommand({ TableName: ctx().tables.log, Key: headKey(topicId, 1), UpdateExpression: 'SET nextOffset = nextOffset + :one', ExpressionAttributeValues: { ':one': 1 } }),
    );
    assert.deepEqual(await client.next((m) => m.type === 'ready'), { type: 'ready', topic: 'tail', partition: 1, highWatermark: tail + 1 });
    client.close();
  });

  it('makes no storage request while an armed watch waits, pings included', async () => {
    const tail = await produce('tail', 0);
    const client = await connect();
    await client.watch([{ topic: 'tail', partition: 0, offset: tail }]);
    await drainTriggers();
    const counter = new RequestCounter().attach(ctx().ddb).attach(ctx().s3);
    client.send({ action: 'ping' });
    assert.deepEqual(await client.next((m) => m.type === 'pong'), { type: 'pong' });
    await delay(1_000);
    const requests = operationRows(counter.snapshot()).map((row) => `${row.service} ${row.operation}: ${row.requests}`);
    counter.detach(ctx().ddb).detach(ctx().s3);
    assert.deepEqual(requests, []);
    client.close();
  });

  // Last in this suite: it stops the notify-watchers trigger for good.
  it("notifies through produce's fast path alone, without the stream trigger", async () => {
    await env.platform.triggers.get('notify-watchers')!.stop();
    const tail = await produce('tail', 0);
    const client = await connect();
    await client.watch([{ topic: 'tail', partition: 0, offset: tail }]);
    const highWatermark = await produce('tail', 0);
    assert.deepEqual(await client.next((m) => m.type === 'ready'), { type: 'ready', topic: 'tail', partition: 0, highWatermark });
    client.close();
  });
});

describe('hostile watch messages: each answered with one watch-error, nothing written', { timeout: 60_000 }, () => {
  const cases: [string, unknown, string, string | undefined][] = [
    ['non-JSON', 'not json {', 'INVALID_REQUEST', 'body'],
    ['an unknown action', { action: 'subscribe', partitions: [] }, 'INVALID_REQUEST', 'action'],
    ['no action', { partitions: [] }, 'INVALID_REQUEST', 'action'],
    ['a JSON array', [1, 2], 'INVALID_REQUEST', 'action'],
    ['too many partitions', { action: 'watch', partitions: Array.from({ length: WATCH_PARTITIONS_MAX + 1 }, (_, p) => ({ topic: 'tail', partition: p, offset: 0 })) }, 'INVALID_REQUEST', 'partitions'],
    ['no partitions', { action: 'watch', partitions: [] }, 'INVALID_REQUEST', 'partitions'],
    ['a check of no partitions', { action: 'check', partitions: [] }, 'INVALID_REQUEST', 'partitions'],
    ['a negative offset', { action: 'watch', partitions: [{ topic: 'tail', partition: 0, offset: -1 }] }, 'INVALID_REQUEST', 'partitions[0].offset'],
    ['an unknown field', { action: 'watch', partitions: [{ topic: 'tail', partition: 0, offset: 0, extra: 1 }] }, 'INVALID_REQUEST', 'partitions[0].extra'],
    ['an invalid topic name', { action: 'watch', partitions: [{ topic: '../x', partition: 0, offset: 0 }] }, 'INVALID_REQUEST', 'partitions[0].topic'],
  ];
  for (const [what, message, code, field] of cases) {
    it(`answers ${what} with ${code}${field ? ` naming ${field}` : ''}`, async () => {
      const watchersBefore = await watcherKeys();
      const client = await connect();
      client.send(message);
      const answer = await client.next();
      assert.equal(answer.type, 'watch-error');
      assert.equal(answer.error.code, code);
      assert.equal(answer.error.field, field);
      if (what === 'too many partitions') assert.equal(answer.error.limit, WATCH_PARTITIONS_MAX);
      assert.deepEqual(await newWatchers(watchersBefore), []);
      client.close();
    });
  }

  it('answers an unknown topic and a partition out of range per partition, arming the valid ones only', async () => {
    const client = await connect();
    const answer = await client.watch([
      { topic: 'no-such-topic', partition: 0, offset: 0 },
      { topic: 'tail', partition: 7, offset: 0 },
    ]);
    const errors = answer.filter((m) => m.type === 'watch-error');
    // The reader has no rights on an unknown topic: the same 403 as for an existing one it may not read.
    assert.deepEqual(
      errors.map((m) => [m.topic, m.partition, m.error.code]),
      [
        ['no-such-topic', 0, 'ACCESS_DENIED'],
        ['tail', 7, 'PARTITION_NOT_FOUND'],
      ],
    );
    assert.deepEqual(answer.at(-1), { type: 'armed', partitions: [] });
    client.close();
  });

  it('answers an unknown topic the principal may read with TOPIC_NOT_FOUND', async () => {
    const client = await connect('t-admin');
    const answer = await client.watch([{ topic: 'no-such-topic', partition: 0, offset: 0 }]);
    assert.equal(answer[0].error.code, 'TOPIC_NOT_FOUND');
    client.close();
  });
});
