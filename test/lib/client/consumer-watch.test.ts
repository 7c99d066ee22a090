/**
 * SluiceConsumer waiting at the tail on its watch connection (lib/client/tail-watcher.ts)
 * instead of long-polling, against the fake HTTP server and a fake watch endpoint: what
 * it arms, what a `ready` fetches, how a refusal or a lost connection falls back to the
 * long-poll. Requests are counted; nothing is timed.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import WebSocketClient from 'ws';
import { SluiceConsumer, type ConsumerRunLimits } from '../../../lib/client/consumer';
import { SluiceApiError, SluiceHttpClient } from '../../../lib/client/sluice-http-client';
import { globalSocketFactory, type WatchSocket } from '../../../lib/client/tail-watcher';
import { FakeGroupServer } from './fake-group-server';
import { FakeWatchServer } from './fake-watch-server';

const socket = globalSocketFactory() ?? ((url: string) => new WebSocketClient(url) as unknown as WatchSocket);
const FOLLOW: ConsumerRunLimits = {};

const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function servers(topicPartitions: number, options: { refuse?: number } = {}) {
  const http = await new FakeGroupServer().start();
  const watch = await new FakeWatchServer().start();
  watch.refuse = options.refuse ?? 0;
  closers.push(() => http.close(), () => watch.close());
  http.createTopic('orders', topicPartitions);
  http.group('g', { resetPolicy: 'earliest' });
  return { http, watch };
}

function member(http: FakeGroupServer, watchUrl: string, options: { waitMs?: number; tailFetchIntervalMs?: number } = {}) {
  const client = new SluiceHttpClient({ baseUrl: http.url, watchUrl, webSocket: socket });
  const delivered: string[] = [];
  const notes: string[] = [];
  const consumer = new SluiceConsumer(
    client,
    { groupId: 'g', topics: ['orders'], autoCommitIntervalMs: 50, waitMs: options.waitMs ?? 5000, tailFetchIntervalMs: options.tailFetchIntervalMs, note: (m) => notes.push(m) },
    FOLLOW,
  );
  const running = (async () => {
    try {
      for await (const batch of consumer.batches()) for (const r of batch) delivered.push(`${r.partition}@${r.offset}`);
    } finally {
      await consumer.close();
    }
  })();
  running.catch(() => {});
  closers.push(() => consumer.close());
  return { consumer, delivered, notes, running };
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const fetches = (http: FakeGroupServer) => http.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/records'));
const partitionOf = (path: string): number => Number(/partitions\/(\d+)\/records$/.exec(path)![1]);
const sorted = (list: string[]): string[] => [...list].sort();

describe('SluiceConsumer with a watch URL', { concurrency: true }, () => {
  test('arms every partition it read to the end on one connection, fetches nothing while they wait, and a ready fetches exactly that partition, without waiting', async () => {
    const { http, watch } = await servers(4);
    http.append('orders', 0, 2);
    const m = member(http, watch.url);
    await until('the records and the watches', () => m.delivered.length === 2 && watch.watched().length === 4);
    assert.deepEqual(sorted(watch.watched()), ['orders/0@2', 'orders/1@0', 'orders/2@0', 'orders/3@0']);
    assert.equal(watch.connections.length, 1);
    const before = fetches(http).length;
    assert.ok(fetches(http).every((r) => !r.query.has('waitMs')), 'no long-poll');

    http.append('orders', 2, 1);
    watch.ready('orders', 2, 1);
    await until('the new record', () => m.delivered.length === 3);
    await until('partition 2 armed again', () => watch.watched().includes('orders/2@1'));
    const woken = fetches(http).slice(before);
    assert.deepEqual(woken.map((r) => partitionOf(r.path)), [2], 'one fetch, of the partition that moved');
    assert.equal(woken[0]!.query.get('offset'), '0');
    assert.equal(woken[0]!.query.has('waitMs'), false);
    assert.deepEqual(m.delivered, ['0@0', '0@1', '2@0']);
    assert.equal(watch.connections.length, 1);
  });

  test('a dropped connection is opened again and every partition still waiting is armed again at its position', async () => {
    const { http, watch } = await servers(3);
    http.append('orders', 1, 4);
    const m = member(http, watch.url);
    await until('the watches', () => m.delivered.length === 4 && watch.watched().length === 3);
    const first = watch.last;
    watch.drop(first);
    await until('the second connection’s watches', () => watch.connections.length === 2 && watch.watched().length === 3);
    assert.deepEqual(sorted(watch.watched()), ['orders/0@0', 'orders/1@4', 'orders/2@0']);
    assert.ok(fetches(http).every((r) => !r.query.has('waitMs')), 'no long-poll meanwhile');
  });

  test('a watch-error for one partition makes that partition, and only it, long-poll; its records still come', async () => {
    const { http, watch } = await servers(2);
    const m = member(http, watch.url);
    await until('the watches', () => watch.watched().length === 2);
    watch.send({ type: 'watch-error', topic: 'orders', partition: 1, error: { code: 'PARTITION_NOT_FOUND', message: 'not watchable here', retriable: false } });
    await until('a long-poll', () => fetches(http).some((r) => r.query.has('waitMs')));
    assert.deepEqual([...new Set(fetches(http).filter((r) => r.query.has('waitMs')).map((r) => partitionOf(r.path)))], [1]);
    assert.match(m.notes.join('\n'), /orders\/1: the server will not watch it \(PARTITION_NOT_FOUND: not watchable here\); long-polling it/);
    http.append('orders', 1, 1);
    await until('the record', () => m.delivered.length === 1);
    assert.deepEqual(m.delivered, ['1@0']);
    assert.deepEqual(watch.watched(), ['orders/0@0', 'orders/1@0'], 'partition 1 is not armed again');
  });

  test('a watch-error ACCESS_DENIED that the fetch shares ends the iteration with the fetch’s error, as without a watch', async () => {
    const { http, watch } = await servers(1);
    const m = member(http, watch.url);
    await until('the watch', () => watch.watched().length === 1);
    http.inject('GET', /\/records$/, 403, { error: { code: 'ACCESS_DENIED', message: 'no READ on orders', retriable: false } });
    watch.send({ type: 'watch-error', topic: 'orders', partition: 0, error: { code: 'ACCESS_DENIED', message: 'no READ on orders', retriable: false } });
    await assert.rejects(m.running, (err: unknown) => err instanceof SluiceApiError && err.code === 'ACCESS_DENIED');
  });

  test('while the watch connection cannot be opened, it long-polls', async () => {
    const { http, watch } = await servers(1, { refuse: 1_000 });
    const m = member(http, watch.url, { waitMs: 2000 });
    await until('a long-poll', () => fetches(http).some((r) => r.query.get('waitMs') === '2000'));
    assert.ok(watch.refused >= 3);
    assert.match(m.notes.join('\n'), /the watch connection failed 3 times in a row .*; long-polling until it opens/);
    http.append('orders', 0, 1);
    await until('the record', () => m.delivered.length === 1);
  });

  test('with tailFetchIntervalMs, a trickle of records, each announced, comes in fewer fetches than records', async () => {
    const { http, watch } = await servers(1);
    const m = member(http, watch.url, { tailFetchIntervalMs: 5_000 });
    await until('the partition armed at the tail', () => watch.watched().includes('orders/0@0'));
    http.append('orders', 0, 1);
    watch.ready('orders', 0, 1);
    await until('the first record', () => m.delivered.length === 1);
    const before = fetches(http).length;
    // Four more, each announced as it commits, while the interval since the last fetch runs.
    for (let i = 2; i <= 5; i++) {
      http.append('orders', 0, 1);
      watch.ready('orders', 0, i);
      await new Promise((r) => setTimeout(r, 20));
    }
    await until('all five records', () => m.delivered.length === 5, 20_000);
    assert.deepEqual(m.delivered, ['0@0', '0@1', '0@2', '0@3', '0@4']);
    assert.equal(fetches(http).length - before, 1, 'the four came in one fetch');
  });
});
