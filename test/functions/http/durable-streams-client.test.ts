import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { DurableStream, IdempotentProducer, stream } from '@durable-streams/client';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';
import { eventually } from '../../support/eventually';

/**
 * Sluice's Durable Streams route (functions/http/durable-streams.ts) with the protocol
 * authors' TypeScript client, @durable-streams/client, against the local platform: writes
 * through its idempotent producer, catch-up and live reads, and a live read that resumes
 * after its connections are cut.
 */

/** A TCP proxy in front of the platform whose open connections can be cut at will (a dropped network). */
async function cuttableProxy(target: URL): Promise<{ url: string; cut(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      const count = sockets.size;
      for (const socket of sockets) socket.destroy();
      return count;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('@durable-streams/client against Sluice', { timeout: 120_000 }, () => {
  let platform: TestPlatform;
  before(async () => {
    platform = await startTestPlatform({ kafkaPort: null });
  });
  after(async () => {
    await platform?.stop();
  });

  it('writes with the idempotent producer and reads every message back, in order, exactly once', async () => {
    const url = `${platform.url}/ds/client/orders-${Date.now()}`;
    const handle = await DurableStream.create({ url, contentType: 'application/json' });
    const producer = new IdempotentProducer(handle, 'writer-1', { autoClaim: true, onError: (error) => assert.fail(String(error)) });
    for (let i = 0; i < 50; i++) producer.append(JSON.stringify({ n: i }));
    await producer.flush();
    await producer.close();

    const items = await (await stream<{ n: number }>({ url, live: false })).json();
    assert.deepEqual(
      items.map((item) => item.n),
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it('reads text appended by DurableStream.append, catch-up only', async () => {
    const url = `${platform.url}/ds/client/text-${Date.now()}`;
    const handle = await DurableStream.create({ url, contentType: 'text/plain' });
    await handle.append('hello, ', { seq: '001' });
    await handle.append('world', { seq: '002' });
    assert.equal(await (await handle.stream({ live: false })).text(), 'hello, world');
  });

  /** Reads `name` live through `url`, writing while the reader is away, and checks every message arrives once, in order. */
  async function readAcross(live: 'long-poll' | 'sse', baseUrl: string, name: string, away: () => unknown): Promise<void> {
    const direct = await DurableStream.create({ url: `${platform.url}/ds/${name}`, contentType: 'application/json' });
    // DurableStream.append sends one JSON message per call (it wraps the value in the protocol's batch array).
    const write = async (...ns: number[]) => {
      for (const n of ns) await direct.append(JSON.stringify({ n }));
    };
    await write(0, 1);
    const controller = new AbortController();
    const seen: number[] = [];
    const response = await stream<{ n: number }>({ url: `${baseUrl}/ds/${name}`, live, signal: controller.signal });
    response.subscribeJson(async (batch) => {
      for (const item of batch.items) seen.push(item.n);
    });
    try {
      await eventually(async () => seen.length >= 2, 'the first two messages read');
      await away();
      await write(2, 3);
      await eventually(async () => seen.length >= 4, 'the messages written while the reader was away');
      await away();
      await write(4);
      await eventually(async () => seen.length >= 5, 'the message written after the second time away');
      assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    } finally {
      controller.abort();
    }
  }

  it('resumes a long-poll read from its last offset after its connections are cut, missing and repeating nothing', async () => {
    const proxy = await cuttableProxy(new URL(platform.url));
    try {
      let cuts = 0;
      await readAcross('long-poll', proxy.url, `client/cut-${Date.now()}`, () => (cuts += proxy.cut()));
      assert.ok(cuts > 0, 'connections were open to cut');
    } finally {
      await proxy.close();
    }
  });

  it('resumes an SSE read from its last control event when the server ends the connection, missing and repeating nothing', async () => {
    // The server ends each SSE connection after SLUICE_DS_SSE_MAX_MS (60 s in production): here 1 s, so the read reconnects several times.
    process.env.SLUICE_DS_SSE_MAX_MS = '1000';
    try {
      // Away longer than a connection lasts: each write lands after the server ended the connection the reader had.
      await readAcross('sse', platform.url, `client/sse-${Date.now()}`, () => delay(1500));
    } finally {
      delete process.env.SLUICE_DS_SSE_MAX_MS;
    }
  });
});
