/**
 * The consumer's one watch connection (lib/client/tail-watcher.ts) against a fake watch
 * endpoint: what it arms and when, what a `ready` or a `watch-error` does, reconnecting,
 * and the keepalive, with its timers in the test's hands.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import WebSocketClient from 'ws';
import { iamSigner } from '../../../lib/client/iam-signer';
import { SluiceHttpClient } from '../../../lib/client/sluice-http-client';
import { CHECK_EVERY_KEEPALIVES, CONNECT_FAILURES_TOLERATED, CONNECT_TIMEOUT_MS, KEEPALIVE_MS, PARTITIONS_PER_MESSAGE, TailWatcher, globalSocketFactory, type WatchSocket, type WatchTimers } from '../../../lib/client/tail-watcher';
import { WATCH_CHECK_EVERY_KEEPALIVES, WATCH_KEEPALIVE_MS, WATCH_PARTITIONS_MAX } from '../../../lib/protocol/watch';
import { FakeWatchServer } from './fake-watch-server';

/** The runtime's own WebSocket (Node 22, as the client uses it), else the `ws` package's. */
const socket = globalSocketFactory() ?? ((url: string) => new WebSocketClient(url) as unknown as WatchSocket);

/** Timers that run only when the test moves the clock. */
class ManualTimers implements WatchTimers {
  private nextId = 1;
  private readonly pending = new Map<number, { callback: () => void; at: number }>();
  now = 0;

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { callback, at: this.now + ms });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Moves the clock on by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.pending].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = until;
  }
}

const servers: FakeWatchServer[] = [];
const watchers: TailWatcher[] = [];
after(async () => {
  watchers.forEach((w) => w.close());
  await Promise.all(servers.map((s) => s.close()));
});

async function setup(options: { refuse?: number } = {}) {
  const server = await new FakeWatchServer().start();
  server.refuse = options.refuse ?? 0;
  servers.push(server);
  const timers = new ManualTimers();
  const events: string[] = [];
  const notes: string[] = [];
  const watcher = new TailWatcher({
    connectUrl: async () => server.url,
    socket,
    timers,
    random: () => 0.5,
    onReady: (topic, partition, highWatermark) => events.push(`ready ${topic}/${partition} ${highWatermark}`),
    onRefused: (topic, partition, error) => events.push(`refused ${topic}/${partition} ${error.code} retriable=${error.retriable} status=${error.status}`),
    onAvailability: (available) => events.push(`available ${available}`),
    onBound: (group, memberId, generation) => events.push(`bound ${group}/${memberId} ${generation}`),
    onUnbound: () => events.push('unbound'),
    onBindRefused: (error) => events.push(`bind refused ${error.code} retriable=${error.retriable}`),
    onRebalance: (group, generation) => events.push(`rebalance ${group} ${generation}`),
    note: (m) => notes.push(m),
  });
  watchers.push(watcher);
  return { server, timers, events, notes, watcher };
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const armedText = (w: TailWatcher): string[] => w.armedPartitions().map((p) => `${p.topic}/${p.partition}@${p.offset}`);

describe('TailWatcher', { concurrency: true }, () => {
  test('the client constants are the protocol’s', () => {
    assert.equal(KEEPALIVE_MS, WATCH_KEEPALIVE_MS);
    assert.equal(CHECK_EVERY_KEEPALIVES, WATCH_CHECK_EVERY_KEEPALIVES);
    assert.equal(PARTITIONS_PER_MESSAGE, WATCH_PARTITIONS_MAX);
  });

  test('arms every partition in one watch message on one connection, and a ready wakes exactly that partition', async () => {
    const { server, events, watcher } = await setup();
    watcher.arm([
      { topic: 't', partition: 0, offset: 5 },
      { topic: 't', partition: 1, offset: 7 },
      { topic: 't', partition: 2, offset: 0 },
    ]);
    await until('the watch message', () => server.connections.length === 1 && server.watched().length === 3);
    assert.deepEqual(server.last.messages, [{ action: 'watch', partitions: [{ topic: 't', partition: 0, offset: 5 }, { topic: 't', partition: 1, offset: 7 }, { topic: 't', partition: 2, offset: 0 }] }]);
    server.ready('t', 1, 8);
    await until('the ready', () => events.length > 0);
    assert.deepEqual(events, ['ready t/1 8']);
    assert.deepEqual(armedText(watcher), ['t/0@5', 't/2@0']);
    assert.equal(server.connections.length, 1);
  });

  test('more partitions than one message may name are armed in several messages', async () => {
    const { server, watcher } = await setup();
    watcher.arm(Array.from({ length: PARTITIONS_PER_MESSAGE + 3 }, (_, partition) => ({ topic: 't', partition, offset: 0 })));
    await until('the watch messages', () => server.connections.length === 1 && server.watched().length === PARTITIONS_PER_MESSAGE + 3);
    assert.deepEqual(server.last.messages.map((m) => m.partitions.length), [PARTITIONS_PER_MESSAGE, 3]);
  });

  test('a dropped connection is opened again and re-arms every watch still waiting, and only those', async () => {
    const { server, timers, events, watcher } = await setup();
    watcher.arm([
      { topic: 't', partition: 0, offset: 5 },
      { topic: 't', partition: 1, offset: 7 },
    ]);
    await until('the first watch message', () => server.connections.length === 1 && server.watched().length === 2);
    server.ready('t', 0, 6);
    await until('the ready', () => events.length === 1);
    watcher.arm([{ topic: 'u', partition: 3, offset: 1 }]);
    await until('the second arm', () => server.watched().length === 3);
    server.drop();
    await until('the close to be seen', () => !watcher.connected);
    assert.equal(timers.size, 1, 'the reconnect, and no keepalive');
    timers.advance(0);
    await until('the second connection to re-arm', () => server.connections.length === 2 && server.watched().length > 0);
    assert.deepEqual(server.watched(), ['t/1@7', 'u/3@1']);
    assert.equal(watcher.connections, 2);
    assert.deepEqual(events, ['ready t/0 6']);
  });

  test(`keepalive: a ping every WATCH_KEEPALIVE_MS, and every ${CHECK_EVERY_KEEPALIVES}th one a check of every armed watch instead while something is armed`, async () => {
    const { server, timers, events, watcher } = await setup();
    watcher.arm([{ topic: 't', partition: 0, offset: 5 }]);
    await until('the watch message', () => server.connections.length === 1 && server.last.messages.length === 1);
    server.ready('t', 0, 6);
    await until('the ready', () => events.length === 1);
    const actions = () => server.last.messages.map((m) => m.action);
    timers.advance(KEEPALIVE_MS - 1);
    assert.deepEqual(actions(), ['watch']);
    for (let i = 1; i <= CHECK_EVERY_KEEPALIVES; i++) {
      timers.advance(i === 1 ? 1 : KEEPALIVE_MS);
      await until(`keepalive ${i}, a ping as nothing is armed`, () => actions().length === i + 1);
    }
    assert.deepEqual(actions(), ['watch', ...Array<string>(CHECK_EVERY_KEEPALIVES).fill('ping')]);
    watcher.arm([{ topic: 't', partition: 0, offset: 6 }, { topic: 't', partition: 1, offset: 2 }]);
    await until('the arm', () => server.watched().length === 3);
    const from = actions().length;
    for (let i = 1; i <= CHECK_EVERY_KEEPALIVES; i++) {
      timers.advance(KEEPALIVE_MS);
      await until(`keepalive ${CHECK_EVERY_KEEPALIVES + i}`, () => actions().length === from + i);
    }
    assert.deepEqual(actions().slice(from), [...Array<string>(CHECK_EVERY_KEEPALIVES - 1).fill('ping'), 'check']);
    assert.deepEqual(server.watched(undefined, 'check'), ['t/0@6', 't/1@2'], 'the check names every armed watch');
    assert.equal(server.watched().length, 3, 'and re-arms nothing');
  });

  test('check() sends a check of every armed watch at once, and nothing without a watch armed', async () => {
    const { server, watcher } = await setup();
    assert.equal(watcher.check(), false, 'no connection yet');
    watcher.arm([{ topic: 't', partition: 0, offset: 5 }]);
    await until('the watch message', () => server.connections.length === 1 && server.last.messages.length === 1);
    assert.equal(watcher.check(), true);
    await until('the check', () => server.watched(undefined, 'check').length === 1);
    assert.deepEqual(server.watched(undefined, 'check'), ['t/0@5']);
  });

  test('a ready answering a check wakes the partition as a notice does', async () => {
    const { server, events, watcher } = await setup();
    watcher.arm([{ topic: 't', partition: 0, offset: 5 }, { topic: 't', partition: 1, offset: 3 }]);
    await until('the watch message', () => server.connections.length === 1 && server.last.messages.length === 1);
    watcher.check();
    await until('the check', () => server.watched(undefined, 'check').length === 2);
    server.ready('t', 1, 4);
    await until('the ready', () => events.length === 1);
    assert.deepEqual(events, ['ready t/1 4']);
    assert.deepEqual(armedText(watcher), ['t/0@5']);
  });

  test('a server that refuses check as an unknown action gets a re-arm instead, now and at later checks, and the watch stays available', async () => {
    const { server, events, notes, watcher } = await setup();
    server.checkUnknown = true;
    watcher.arm([{ topic: 't', partition: 0, offset: 5 }]);
    await until('the watch message', () => server.connections.length === 1 && server.last.messages.length === 1);
    watcher.check();
    await until('the re-arm after the refusal', () => server.watched().length === 2);
    assert.deepEqual(server.last.messages.map((m) => m.action), ['watch', 'check', 'watch']);
    watcher.check();
    await until('the next check, a re-arm', () => server.watched().length === 3);
    assert.deepEqual(server.last.messages.map((m) => m.action), ['watch', 'check', 'watch', 'watch']);
    assert.equal(watcher.available, true);
    assert.deepEqual(events, []);
    assert.match(notes.join('\n'), /does not know `check`/);
  });

  test('a watch-error for a partition drops its watch and reports the error with its code; the others stay armed', async () => {
    const { server, events, watcher } = await setup();
    watcher.arm([
      { topic: 't', partition: 0, offset: 0 },
      { topic: 'secret', partition: 0, offset: 0 },
    ]);
    await until('the watch message', () => server.connections.length === 1 && server.watched().length === 2);
    server.send({ type: 'watch-error', topic: 'secret', partition: 0, error: { code: 'ACCESS_DENIED', message: 'no READ on secret', retriable: false } });
    server.send({ type: 'watch-error', topic: 't', partition: 0, error: { code: 'SERVICE_BUSY', message: 'slow down', retriable: true } });
    await until('the refusals', () => events.length === 2);
    assert.deepEqual(events, ['refused secret/0 ACCESS_DENIED retriable=false status=403', 'refused t/0 SERVICE_BUSY retriable=true status=503']);
    assert.deepEqual(armedText(watcher), []);
  });

  test('a watch-error for the whole message that will not pass makes the watch unavailable: every watch dropped', async () => {
    const { server, events, watcher } = await setup();
    watcher.arm([{ topic: 't', partition: 0, offset: 0 }]);
    await until('the watch message', () => server.connections.length === 1 && server.watched().length === 1);
    server.send({ type: 'watch-error', error: { code: 'UNAUTHENTICATED', message: 'who are you', retriable: false } });
    await until('the availability change', () => events.length === 1);
    assert.deepEqual(events, ['available false']);
    assert.equal(watcher.available, false);
    assert.deepEqual(armedText(watcher), []);
  });

  test(`a connection refused ${CONNECT_FAILURES_TOLERATED} times in a row makes the watch unavailable; the next that opens makes it available again`, async () => {
    const { server, timers, events, watcher } = await setup({ refuse: CONNECT_FAILURES_TOLERATED });
    watcher.arm([{ topic: 't', partition: 0, offset: 0 }]);
    for (let attempt = 1; attempt <= CONNECT_FAILURES_TOLERATED; attempt++) {
      await until(`refusal ${attempt}`, () => server.refused === attempt && watcher.failedAttempts === attempt);
      assert.equal(timers.size, 1, 'the reconnect');
      assert.deepEqual(events, attempt < CONNECT_FAILURES_TOLERATED ? [] : ['available false']);
      timers.advance(60_000);
    }
    await until('a connection and its first message', () => server.connections.length === 1 && events.length === 2 && server.last.messages.length === 1);
    assert.deepEqual(events, ['available false', 'available true']);
    // The watches were dropped with the availability: the consumer arms again at the tail.
    assert.deepEqual(server.last.messages, [{ action: 'ping' }]);
  });

  test(`an attempt not open after CONNECT_TIMEOUT_MS is given up and counted as failed`, async () => {
    const timers = new ManualTimers();
    const closed: string[] = [];
    const hanging: WatchSocket = { readyState: 0, send: () => undefined, close: () => void closed.push('closed'), onopen: null, onmessage: null, onclose: null, onerror: null };
    const notes: string[] = [];
    const watcher = new TailWatcher({ connectUrl: async () => 'ws://192.0.2.1/watch', socket: () => hanging, timers, onReady: () => undefined, onRefused: () => undefined, onAvailability: () => undefined, note: (m) => notes.push(m) });
    watchers.push(watcher);
    watcher.arm([{ topic: 't', partition: 0, offset: 0 }]);
    await until('the attempt', () => timers.size === 1);
    timers.advance(CONNECT_TIMEOUT_MS - 1);
    assert.equal(watcher.failedAttempts, 0);
    timers.advance(1);
    assert.equal(watcher.failedAttempts, 1);
    assert.deepEqual(closed, ['closed']);
    assert.match(notes.join('\n'), new RegExp(`not open after ${CONNECT_TIMEOUT_MS} ms`));
  });

  test('close ends the connection and arms nothing more', async () => {
    const { server, watcher } = await setup();
    watcher.arm([{ topic: 't', partition: 0, offset: 0 }]);
    await until('the connection', () => server.connections.length === 1 && server.watched().length === 1);
    watcher.close();
    await until('the close', () => server.last.socket.readyState === WebSocketClient.CLOSED);
    watcher.arm([{ topic: 't', partition: 1, offset: 0 }]);
    assert.equal(server.connections.length, 1);
    assert.equal(watcher.available, false);
  });
});

describe('TailWatcher binding a group member', { concurrency: true }, () => {
  const binds = (server: FakeWatchServer, connection = server.last) => connection.messages.filter((m) => m.action === 'bind');

  test('opens the connection to bind, sends bind (no ping), and reports bound with the generation', async () => {
    const { server, events, watcher } = await setup();
    server.generation = 4;
    watcher.bind('g', 'm-1');
    await until('bound', () => events.includes('bound g/m-1 4'));
    assert.deepEqual(server.last.messages, [{ action: 'bind', group: 'g', memberId: 'm-1' }]);
    assert.equal(watcher.bound, true);
  });

  test('reports the binding lost when the connection drops, and binds again on the next connection', async () => {
    const { server, timers, events, watcher } = await setup();
    watcher.bind('g', 'm-1');
    await until('bound', () => events.includes('bound g/m-1 0'));
    server.drop();
    await until('unbound', () => events.includes('unbound'));
    assert.equal(watcher.bound, false);
    timers.advance(0);
    await until('the second connection binds', () => server.connections.length === 2 && binds(server).length === 1);
    await until('bound again', () => events.filter((e) => e.startsWith('bound')).length === 2);
  });

  test('passes a rebalance notice on', async () => {
    const { server, events, watcher } = await setup();
    watcher.bind('g', 'm-1');
    await until('bound', () => events.includes('bound g/m-1 0'));
    server.send({ type: 'rebalance', group: 'g', generation: 5 });
    await until('the notice', () => events.includes('rebalance g 5'));
  });

  test('binds the new member after a rejoin, and ignores an answer about the old one', async () => {
    const { server, events, watcher } = await setup();
    watcher.bind('g', 'm-1');
    await until('bound', () => events.includes('bound g/m-1 0'));
    watcher.bind('g', 'm-2');
    await until('the second bind', () => binds(server).length === 2);
    server.send({ type: 'bound', group: 'g', memberId: 'm-1', generation: 9 });
    await until('bound m-2', () => events.includes('bound g/m-2 0'));
    assert.ok(!events.includes('bound g/m-1 9'));
  });

  test('reports a refused bind and stops binding when it is for good (the next connection sends no bind)', async () => {
    const { server, timers, events, watcher } = await setup();
    server.refuseBind = { code: 'ACCESS_DENIED', message: 'no', retriable: false };
    watcher.bind('g', 'm-1');
    await until('refused', () => events.includes('bind refused ACCESS_DENIED retriable=false'));
    assert.equal(watcher.bound, false);
    server.drop();
    await until('the drop', () => !watcher.connected);
    timers.advance(0);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(server.connections.slice(1).every((c) => binds(server, c).length === 0));
  });

  test('sends a bind refused for now again after a backoff, on the same connection', async () => {
    const { server, timers, events, watcher } = await setup();
    server.refuseBind = { code: 'SERVICE_BUSY', message: 'later', retriable: true };
    watcher.bind('g', 'm-1');
    await until('refused', () => events.includes('bind refused SERVICE_BUSY retriable=true'));
    server.refuseBind = undefined;
    timers.advance(60_000);
    await until('bound', () => events.includes('bound g/m-1 0'));
    assert.equal(binds(server).length, 2);
    assert.equal(server.connections.length, 1);
  });

  test('takes a server from before bind refusing its action as a refusal of the bind, not of check', async () => {
    const { server, events, watcher } = await setup();
    server.refuseBind = { code: 'INVALID_REQUEST', message: 'action: must be "watch", "check" or "ping"', retriable: false, field: 'action' };
    watcher.bind('g', 'm-1');
    await until('refused', () => events.includes('bind refused INVALID_REQUEST retriable=false'));
    watcher.arm([{ topic: 't', partition: 0, offset: 1 }]);
    await until('armed', () => server.watched().length === 1);
    assert.equal(watcher.check(), true);
    await until('the check', () => server.watched(server.last, 'check').length === 1);
  });
});

describe('the watch connect URL', () => {
  test('carries a bearer token from the client’s authorization header as ?token=', async () => {
    const client = new SluiceHttpClient({ baseUrl: 'http://localhost:8780', headers: { authorization: 'Bearer s3cret' }, watchUrl: 'ws://localhost:8780/v1/watch' });
    assert.equal(await client.watchConnectUrl(), 'ws://localhost:8780/v1/watch?token=s3cret');
  });

  test('is presigned with SigV4 (service execute-api) when the client signs with iamSigner()', async () => {
    const signer = iamSigner({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'tok/en+=' } });
    const client = new SluiceHttpClient({ baseUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod', signer, watchUrl: 'wss://def.execute-api.eu-west-1.amazonaws.com/prod' });
    const url = new URL(await client.watchConnectUrl());
    assert.equal(`${url.protocol}//${url.host}${url.pathname}`, 'wss://def.execute-api.eu-west-1.amazonaws.com/prod');
    assert.equal(url.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
    assert.match(url.searchParams.get('X-Amz-Credential') ?? '', /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request$/);
    assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'host');
    assert.equal(url.searchParams.get('X-Amz-Security-Token'), 'tok/en+=');
    assert.match(url.searchParams.get('X-Amz-Signature') ?? '', /^[0-9a-f]{64}$/);
    assert.doesNotMatch(url.search, /\+/, 'SigV4 encoding: no + for anything');
  });

  test('a watch URL that is not ws or wss is refused when the client is made', () => {
    assert.throws(() => new SluiceHttpClient({ baseUrl: 'http://localhost:8780', watchUrl: 'http://localhost:8780/watch' }), /watchUrl must be a ws or wss URL/);
  });
});
