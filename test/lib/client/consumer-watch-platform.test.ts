/**
 * Waiting at the tail end to end, against the real local platform (its WebSocket
 * emulation, the watch handler, produce's notify and the stream trigger): a group
 * member on a 16-partition topic and `sluice consume --follow --watch-url` make no HTTP
 * fetch while the topic is idle, and get a record produced afterwards. The HTTP
 * requests are counted by a proxy in front of the API, by route; nothing is timed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as delay } from 'node:timers/promises';
import WebSocketClient from 'ws';
import { SluiceConsumer } from '../../../lib/client/consumer';
import { SluiceHttpClient } from '../../../lib/client/sluice-http-client';
import { globalSocketFactory, type WatchSocket } from '../../../lib/client/tail-watcher';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { queryWatchers } from '../../../lib/store/watcher-store';
import { memberKey } from '../../../lib/store/group-items';
import { getTopic } from '../../../lib/topics/topic-repository';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

// The handlers' INFO lines would bury the test's own output.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PARTITIONS = 16;
const socket = globalSocketFactory() ?? ((url: string) => new WebSocketClient(url) as unknown as WatchSocket);

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
}

/** An HTTP proxy to the platform's API that keeps every request it forwarded. */
class CountingProxy {
  readonly seen: Seen[] = [];
  private server!: Server;
  url = '';

  async start(target: string): Promise<this> {
    const upstream = new URL(target);
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://proxy');
      this.seen.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams });
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  fetches(topic: string): Seen[] {
    return this.seen.filter((r) => r.method === 'GET' && r.path.startsWith(`/v1/topics/${topic}/partitions/`) && r.path.endsWith('/records'));
  }

  count(pattern: RegExp): number {
    return this.seen.filter((r) => pattern.test(`${r.method} ${r.path}`)).length;
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}

let env: TestPlatform;
let proxy: CountingProxy;
const children: ChildProcess[] = [];

before(async () => {
  env = await startTestPlatform();
  proxy = await new CountingProxy().start(env.url);
});
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  proxy?.close();
  await env?.stop();
});

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/** Watches armed on the platform's connections for a topic, from its watcher items (one per connection and topic, a partition each attribute). */
async function armedPartitions(topic: string): Promise<number> {
  const ctx = contextFromEnv();
  const { topicId } = await getTopic(ctx, topic);
  return (await queryWatchers(ctx, topicId, Date.now())).reduce((n, watcher) => n + watcher.offsets.size, 0);
}

const partitionOf = (path: string): number => Number(/partitions\/(\d+)\/records$/.exec(path)![1]);

describe('waiting at the tail on the local platform', () => {
  test('a group member of a 16-partition topic, bound to its watch connection, makes no fetch and no heartbeat while idle (5 heartbeat intervals), and gets a record produced then with one fetch of that partition', { timeout: 180_000 }, async () => {
    const admin = new SluiceHttpClient(env.url);
    await admin.createTopic('idle-group', { partitions: PARTITIONS });
    const client = new SluiceHttpClient({ baseUrl: proxy.url, watchUrl: env.platform.watchUrl, webSocket: socket });
    const delivered: string[] = [];
    const notes: string[] = [];
    // A heartbeat interval of 1 s.
    const consumer = new SluiceConsumer(client, { groupId: 'idle-g', topics: ['idle-group'], resetPolicy: 'latest', autoCommitIntervalMs: 500, sessionTimeoutMs: 3000, note: (m) => notes.push(m) });
    const running = (async () => {
      for await (const batch of consumer.batches()) for (const r of batch) delivered.push(`${r.partition}@${r.offset}`);
    })();
    running.catch(() => {});
    try {
      await until('all 16 partitions armed', async () => (await armedPartitions('idle-group')) === PARTITIONS);
      await until('the member bound', () => notes.some((n) => n.includes('is bound to the watch connection')));
      await delay(300); // the heartbeat a bind may send is on its way
      const fetchesAtArming = proxy.fetches('idle-group').length;
      const heartbeatsAtArming = proxy.count(/\/members\/[^/]+\/heartbeat$/);
      // Idle for 5 heartbeat intervals: an unbound member would heartbeat 5 times, a long-poll per partition be 16 requests in flight.
      await delay(5000);
      const idleFetches = proxy.fetches('idle-group').length - fetchesAtArming;
      const idleHeartbeats = proxy.count(/\/members\/[^/]+\/heartbeat$/) - heartbeatsAtArming;
      assert.equal(fetchesAtArming, 0, 'the member started at the tail: nothing to fetch');
      assert.equal(idleFetches, 0, 'no HTTP fetch while idle');
      assert.equal(idleHeartbeats, 0, 'no HTTP heartbeat while bound');

      const produced = await admin.produce('idle-group', { records: [{ value: 'hello', partition: 7 }] });
      assert.equal(produced.records[0]!.offset, 0);
      await until('the record', () => delivered.length === 1);
      assert.deepEqual(delivered, ['7@0']);
      const woken = proxy.fetches('idle-group');
      assert.ok(woken.length >= 1);
      assert.deepEqual([...new Set(woken.map((r) => partitionOf(r.path)))], [7], 'only the partition that moved was fetched');
      assert.ok(woken.every((r) => !r.query.has('waitMs')), 'none of them long-polled');
      process.stderr.write(`# group member: ${fetchesAtArming} fetches at arming, ${idleFetches} fetches and ${idleHeartbeats} heartbeats while idle over 5 s, ${woken.length} for the new record (partition 7)\n`);
    } finally {
      await consumer.close();
      await running;
    }
  });

  test('a bound member hears of a rebalance on its connection and takes its new assignment; one whose connection is closed binds again on the next and stays the same member', { timeout: 180_000 }, async () => {
    const admin = new SluiceHttpClient(env.url);
    await admin.createTopic('bound-group', { partitions: 4 });
    const client = new SluiceHttpClient({ baseUrl: proxy.url, watchUrl: env.platform.watchUrl, webSocket: socket });
    const notes: string[] = [];
    const held = new Set<number>();
    const options = { groupId: 'bound-g', topics: ['bound-group'], resetPolicy: 'latest' as const, sessionTimeoutMs: 3000 };
    const first = new SluiceConsumer(client, {
      ...options,
      note: (m) => notes.push(m),
      onAssign: (tps) => tps.forEach((tp) => held.add(tp.partition)),
      onRevoke: (tps) => tps.forEach((tp) => held.delete(tp.partition)),
    });
    const second = new SluiceConsumer(new SluiceHttpClient(env.url), options);
    const run = (c: SluiceConsumer): Promise<void> => {
      const running = (async () => {
        for await (const _batch of c.batches()) {
          // nothing is produced
        }
      })();
      running.catch(() => {});
      return running;
    };
    const runs = [run(first)];
    try {
      const boundNotes = () => notes.filter((n) => n.includes('is bound to the watch connection')).length;
      await until('the first member bound and holding all 4 partitions', () => boundNotes() >= 1 && held.size === 4);
      const memberId = (first as unknown as { memberId: string }).memberId;
      // The second member joins: the coordinator posts the new generation to the first member's connection, and its one
      // heartbeat brings its half.
      runs.push(run(second));
      await until('the first member holding its half', () => held.size === 2);
      const generation = (first as unknown as { generation: number }).generation;

      // API Gateway closes the connection (as after 2 hours): $disconnect starts the session timeout, the watcher reconnects and binds again.
      const ctx = contextFromEnv();
      const item = (await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.groups, Key: memberKey('bound-g', memberId), ConsistentRead: true }))).Item;
      const closed = await fetch(`${env.url}/@connections/${encodeURIComponent(String(item!.connectionId))}`, { method: 'DELETE' });
      assert.equal(closed.status, 204);
      await until('bound again', () => boundNotes() >= 2);
      await delay(3500); // past the session timeout the close started
      assert.equal((first as unknown as { memberId: string }).memberId, memberId, 'the same member');
      assert.equal((first as unknown as { generation: number }).generation, generation, 'no rebalance');
      assert.equal(held.size, 2);
      assert.ok(!notes.some((n) => n.includes('no longer a member')), notes.join('\n'));
    } finally {
      await Promise.all([first.close(), second.close()]);
      await Promise.all(runs);
    }
  });

  test('sluice consume --follow --watch-url makes no fetch while idle, and prints a record produced then', { timeout: 180_000 }, async () => {
    const admin = new SluiceHttpClient(env.url);
    await admin.createTopic('idle-follow', { partitions: PARTITIONS });
    await admin.produce('idle-follow', { records: [{ value: 'before', partition: 3 }] });
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/sluice.ts', '--url', proxy.url, '--watch-url', env.platform.watchUrl, 'consume', 'idle-follow', '--follow'], {
      cwd: ROOT,
      env: { ...process.env, SLUICE_URL: undefined, SLUICE_WATCH_URL: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await until('the existing record', () => stdout === 'before\n');
    await until('all 16 partitions armed', async () => (await armedPartitions('idle-follow')) === PARTITIONS);
    const fetchesAtArming = proxy.fetches('idle-follow').length;
    const describesAtArming = proxy.count(/^GET \/v1\/topics\/idle-follow$/);
    // Idle for 3 s: the --follow of before polled a describe every second; a long-poll per partition would be 16 in flight.
    await delay(3000);
    const idleFetches = proxy.fetches('idle-follow').length - fetchesAtArming;
    const idleDescribes = proxy.count(/^GET \/v1\/topics\/idle-follow$/) - describesAtArming;
    assert.equal(idleFetches, 0, 'no HTTP fetch while idle');
    assert.equal(idleDescribes, 0, 'no describe poll while idle');
    assert.ok(proxy.fetches('idle-follow').every((r) => !r.query.has('waitMs')), 'no long-poll at all');

    await admin.produce('idle-follow', { records: [{ value: 'after', partition: 11 }] });
    await until('the new record', () => stdout === 'before\nafter\n');
    const woken = proxy.fetches('idle-follow').slice(fetchesAtArming);
    assert.deepEqual([...new Set(woken.map((r) => partitionOf(r.path)))], [11]);
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.equal(stderr, '');
    process.stderr.write(`# consume --follow: ${fetchesAtArming} fetches to catch up, ${idleFetches} fetches and ${idleDescribes} describes while idle, ${woken.length} for the new record (partition 11)\n`);
  });
});
