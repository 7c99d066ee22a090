import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { partitionForKey, ProducerClosedError, SluiceApiError, SluiceConnectionError, SluiceHttpClient, SluiceProducer, type RecordMetadata } from '../../../lib/client/index';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

let platform: TestPlatform;
before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform?.stop();
});

interface Counted {
  client: SluiceHttpClient;
  produceCalls: () => number;
}

const isProduce = (url: string, init?: RequestInit): boolean => init?.method === 'POST' && /\/v1\/topics\/[^/]+\/records$/.test(url);

/** A client whose fetch counts produce calls (and can misbehave through `wrap`). */
function countingClient(wrap?: (n: number, url: string, init: RequestInit | undefined, real: typeof fetch) => Promise<Response>): Counted {
  let calls = 0;
  const wrapped: typeof fetch = async (input, init) => {
    const url = String(input);
    if (!isProduce(url, init)) return fetch(input, init);
    const n = calls++;
    return wrap ? wrap(n, url, init, fetch) : fetch(input, init);
  };
  return { client: new SluiceHttpClient({ baseUrl: platform.url, fetch: wrapped }), produceCalls: () => calls };
}

let topicCount = 0;
async function newTopic(client: SluiceHttpClient, partitions: number): Promise<string> {
  const name = `producer-${process.pid}-${topicCount++}`;
  await client.createTopic(name, { partitions });
  return name;
}

/** Every record of the topic, read back partition by partition. */
async function readAll(client: SluiceHttpClient, topic: string, partitions: number): Promise<{ partition: number; offset: number; key: string | null; value: string | null }[]> {
  const out: { partition: number; offset: number; key: string | null; value: string | null }[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    let offset = 0;
    for (;;) {
      const page = await client.fetchRecords(topic, partition, { offset, maxRecords: 10_000, encoding: 'utf8' });
      for (const r of page.records) out.push({ partition, offset: r.offset, key: r.key, value: r.value });
      if (page.nextOffset >= page.highWatermark || page.records.length === 0) break;
      offset = page.nextOffset;
    }
  }
  return out;
}

function assertGaplessPerPartition(metas: RecordMetadata[]): void {
  const byPartition = new Map<number, number[]>();
  for (const m of metas) byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m.offset]);
  for (const [partition, offsets] of byPartition) {
    offsets.sort((a, b) => a - b);
    assert.deepEqual(offsets, offsets.map((_, i) => i), `partition ${partition}: offsets unique and gapless from 0`);
  }
}

describe('SluiceProducer against the local platform', () => {
  test('with linger, 1,000 records go out in few calls, offsets unique and gapless per partition', async () => {
    const { client, produceCalls } = countingClient();
    const topic = await newTopic(client, 4);
    const producer = new SluiceProducer(client, { lingerMs: 20, batchRecords: 100 });
    const deliveries: Promise<RecordMetadata>[] = [];
    for (let i = 0; i < 1000; i++) deliveries.push(...(await producer.send(topic, { key: `k${i % 37}`, value: `v${i}` })));
    const metas = await Promise.all(deliveries);
    await producer.close();
    assert.ok(produceCalls() > 0);
    assert.ok(produceCalls() <= 1000 / 100 + 3, `${produceCalls()} calls for 1,000 records in batches of 100`);
    assertGaplessPerPartition(metas);
    assert.equal((await readAll(client, topic, 4)).length, 1000);

    // The defaults: how many calls 1,000 records take.
    const defaults = countingClient();
    const producer2 = new SluiceProducer(defaults.client);
    const all: Promise<RecordMetadata>[] = [];
    for (let i = 0; i < 1000; i++) all.push(...(await producer2.send(topic, { value: `d${i}` })));
    await Promise.all(all);
    await producer2.close();
    assert.ok(defaults.produceCalls() <= 5, `${defaults.produceCalls()} calls with the defaults`);
    console.log(`# calls per 1,000 records: ${produceCalls()} (batchRecords 100, linger 20 ms), ${defaults.produceCalls()} (defaults)`);
  });

  test('network failures before and after the server handled a call leave no duplicates and no loss', async () => {
    let duplicates = 0;
    const { client, produceCalls } = countingClient(async (n, url, init, real) => {
      if (n % 4 === 1) throw new TypeError('fetch failed (injected before sending)');
      const response = await real(url, init);
      const text = await response.text();
      if (n % 4 === 3) throw new TypeError('fetch failed (injected: response lost after the server handled it)');
      if (JSON.parse(text).duplicate === true) duplicates++;
      return new Response(text, { status: response.status, headers: response.headers });
    });
    const topic = await newTopic(client, 3);
    const producer = new SluiceProducer(client, { lingerMs: 2, batchRecords: 50, retryBackoffMs: 5, retryBackoffMaxMs: 20 });
    const sent: string[] = [];
    const deliveries: Promise<RecordMetadata>[] = [];
    for (let i = 0; i < 400; i++) {
      const value = `r${i}`;
      sent.push(value);
      deliveries.push(...(await producer.send(topic, i % 3 === 0 ? { value } : { key: `key-${i % 11}`, value })));
      if (i % 100 === 99) await producer.flush(); // spread the records over several rounds of calls
    }
    const metas = await Promise.all(deliveries);
    await producer.close();
    assertGaplessPerPartition(metas);
    const read = await readAll(client, topic, 3);
    assert.deepEqual(read.map((r) => r.value).sort(), [...sent].sort(), 'every record exactly once');
    assert.ok(duplicates > 0, 'a retry of a committed call was answered as a duplicate');
    assert.ok(produceCalls() > 8, `${produceCalls()} produce calls including retries`);
  });

  test('the client partitioner agrees with the server for 500 keys', async () => {
    const client = new SluiceHttpClient(platform.url);
    const topic = await newTopic(client, 7);
    const producer = new SluiceProducer(client);
    const keys = Array.from({ length: 500 }, (_, i) => `user-${i}-${(i * 7919).toString(36)}`);
    const deliveries = await producer.send(topic, keys.map((key) => ({ key, value: 'x' })));
    const metas = await Promise.all(deliveries);
    await producer.close();
    metas.forEach((m, i) => assert.equal(m.partition, partitionForKey(Buffer.from(keys[i]!, 'utf8'), 7), `key ${keys[i]}`));
    // The producer sends the partitions it placed; the server, given keys alone, places them the same way.
    const placed = await client.produce(topic, { records: keys.map((key) => ({ key, value: 'y' })) });
    placed.records.forEach((r, i) => assert.equal(r.partition, metas[i]!.partition, `key ${keys[i]}`));
  });

  test('after partitions are added, a record for a new partition is sent: the count is read again rather than the record refused', async () => {
    const client = new SluiceHttpClient(platform.url);
    const topic = await newTopic(client, 2);
    let describes = 0;
    const counting = new SluiceHttpClient({
      baseUrl: platform.url,
      fetch: (input, init) => {
        if ((init?.method ?? 'GET') === 'GET' && new URL(String(input)).pathname === `/v1/topics/${topic}`) describes++;
        return fetch(input, init);
      },
    });
    const producer = new SluiceProducer(counting);
    await Promise.all(await producer.send(topic, { value: 'first', partition: 1 }));
    assert.equal(describes, 1);
    await client.createPartitions(topic, 4);
    // At most one extra read a second: wait until the last read is a second old.
    await new Promise((r) => setTimeout(r, 1_100));
    const [explicit] = await producer.send(topic, { value: 'in-three', partition: 3 });
    assert.equal((await explicit!).partition, 3);
    assert.equal(describes, 2);
    await producer.close();
  });

  test('after partitions are added, keys map over the new count once the count read is metadataMaxAgeMs old', async () => {
    const client = new SluiceHttpClient(platform.url);
    const topic = await newTopic(client, 2);
    const producer = new SluiceProducer(client, { metadataMaxAgeMs: 1_500 });
    const key = Array.from({ length: 100 }, (_, i) => `k${i}`).find((k) => partitionForKey(Buffer.from(k), 2) !== partitionForKey(Buffer.from(k), 4))!;
    const partitionOf = async () => (await (await producer.send(topic, { key, value: 'v' }))[0]!).partition;
    assert.equal(await partitionOf(), partitionForKey(Buffer.from(key), 2));
    await client.createPartitions(topic, 4);
    assert.equal(await partitionOf(), partitionForKey(Buffer.from(key), 2), 'the count read 1.5 s ago still holds');
    await new Promise((r) => setTimeout(r, 1_600));
    assert.equal(await partitionOf(), partitionForKey(Buffer.from(key), 4));
    await producer.close();
  });

  test('a record for a partition past the count is refused after the count is read again', async () => {
    const client = new SluiceHttpClient(platform.url);
    const topic = await newTopic(client, 2);
    const producer = new SluiceProducer(client);
    await Promise.all(await producer.send(topic, { value: 'first', partition: 0 }));
    await new Promise((r) => setTimeout(r, 1_100));
    const [beyond] = await producer.send(topic, { value: 'nowhere', partition: 2 });
    await assert.rejects(beyond!, /partition 2 is outside 0\.\.1/);
    await producer.close().catch(() => undefined);
  });

  test('keyless records stick to one partition per batch, round-robin across batches (idempotent or not)', async () => {
    const client = new SluiceHttpClient(platform.url);
    for (const idempotent of [true, false]) {
      const topic = await newTopic(client, 4);
      const producer = new SluiceProducer(client, { idempotent, batchRecords: 10, lingerMs: 1_000 });
      const metas = await Promise.all(await producer.send(topic, Array.from({ length: 40 }, (_, i) => ({ value: `v${i}` }))));
      await producer.close();
      const perBatch = [0, 1, 2, 3].map((b) => new Set(metas.slice(b * 10, b * 10 + 10).map((m) => m.partition)));
      assert.ok(perBatch.every((set) => set.size === 1), `idempotent=${idempotent}: one partition per batch`);
      assert.deepEqual(perBatch.map((set) => [...set][0]).sort(), [0, 1, 2, 3], `idempotent=${idempotent}: round-robin`);
    }
  });

  test('a zombie: a second producer with the same name fences the first one', async () => {
    const client = new SluiceHttpClient(platform.url);
    const topic = await newTopic(client, 2);
    const name = `zombie-${process.pid}`;
    const first = new SluiceProducer(client, { name });
    await first.produce(topic, { key: 'a', value: 'before' });
    const second = new SluiceProducer(client, { name });
    await second.produce(topic, { key: 'a', value: 'newer' });

    const [late] = await first.send(topic, { key: 'a', value: 'zombie write' });
    await assert.rejects(late!, (err: unknown) => err instanceof SluiceApiError && err.code === 'FENCED');
    await assert.rejects(first.send(topic, { value: 'refused' }), (err: unknown) => err instanceof SluiceApiError && err.code === 'FENCED');
    await assert.rejects(first.flush(), (err: unknown) => err instanceof SluiceApiError && err.code === 'FENCED');
    await second.close();
    const values = (await readAll(client, topic, 2)).map((r) => r.value);
    assert.deepEqual(values.sort(), ['before', 'newer']);
  });

  test('backpressure: with a tiny buffer, send waits until earlier records are delivered', async () => {
    const client = new SluiceHttpClient(platform.url);
    const topic = await newTopic(client, 1);
    const producer = new SluiceProducer(client, { lingerMs: 0, bufferBytes: 1 });
    const events: string[] = [];
    const accepted = ['a', 'b', 'c'].map((value) =>
      producer.send(topic, { value }).then(([delivery]) => {
        events.push(`${value} accepted`);
        return delivery!.then(() => events.push(`${value} delivered`));
      }),
    );
    await Promise.all(accepted);
    await producer.close();
    assert.deepEqual(events, ['a accepted', 'a delivered', 'b accepted', 'b delivered', 'c accepted', 'c delivered']);
  });

  test('a batch whose retries run out fails with the last error, and the producer goes on under a new epoch', async () => {
    const { client } = countingClient(async (n, url, init, real) => {
      const response = await real(url, init);
      const text = await response.text();
      if (n >= 1 && n <= 3) throw new TypeError('fetch failed (injected: response lost)');
      return new Response(text, { status: response.status, headers: response.headers });
    });
    const topic = await newTopic(client, 1);
    const producer = new SluiceProducer(client, { name: `reset-${process.pid}`, retries: 2, retryBackoffMs: 1, lingerMs: 0 });
    await producer.produce(topic, { value: 'one' });
    const epoch = (await producer.producerIdentity())!.epoch;
    await assert.rejects(producer.produce(topic, { value: 'two' }), SluiceConnectionError);
    assert.equal((await producer.produce(topic, { value: 'three' })).offset, 2, 'after the unknown outcome of "two", which did commit');
    assert.equal((await producer.producerIdentity())!.epoch, epoch + 1);
    await producer.close().catch(() => undefined);
    assert.deepEqual((await readAll(client, topic, 1)).map((r) => r.value), ['one', 'two', 'three']);
  });

  test('stats count every produce call, retries among them, and the records delivered and failed', async () => {
    const { client, produceCalls } = countingClient(async (n, url, init, real) => {
      if (n === 1) throw new TypeError('fetch failed (injected before sending)');
      return real(url, init);
    });
    const topic = await newTopic(client, 1);
    const producer = new SluiceProducer(client, { lingerMs: 0, retryBackoffMs: 1 });
    await producer.produce(topic, { value: 'a' });
    await producer.produce(topic, { value: 'b' });
    await assert.rejects(producer.produce(topic, { value: 'c', partition: 5 }), RangeError);
    const stats = producer.stats();
    assert.equal(stats.calls, produceCalls());
    assert.deepEqual(
      { ...stats, bytesDelivered: stats.bytesDelivered > 0 },
      { calls: 3, retries: 1, recordsDelivered: 2, bytesDelivered: true, recordsFailed: 1, conflictEstimate: 0, partitionsPerCall: 32 },
    );
    await producer.close().catch(() => undefined);
  });

  test('calls narrow to fewer partitions once the server reports commits that took several attempts', async () => {
    const widths: number[] = [];
    const { client } = countingClient(async (_n, url, init, real) => {
      const body = JSON.parse(String(init!.body)) as { records: { partition?: number }[] };
      widths.push(new Set(body.records.map((r) => r.partition)).size);
      const answer = (await (await real(url, init)).json()) as Record<string, unknown>;
      // As a server under contention answers: every commit took 30 transactions.
      return new Response(JSON.stringify({ ...answer, commitAttempts: 30 }), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    const topic = await newTopic(client, 32);
    const producer = new SluiceProducer(client, { lingerMs: 0 });
    for (let round = 0; round < 2; round++) await Promise.all(await producer.send(topic, Array.from({ length: 32 }, (_, p) => ({ value: `r${round}p${p}`, partition: p }))));
    await producer.close();
    assert.equal(widths[0], 32, 'the first call is as wide as the server allows');
    assert.ok(producer.stats().conflictEstimate > 0.05, `estimate ${producer.stats().conflictEstimate}`);
    assert.ok(widths.at(-1)! < 32 && producer.stats().partitionsPerCall < 32, `widths ${widths.join(', ')}`);
  });

  test('a fixed maxPartitionsPerCall caps every call', async () => {
    const widths: number[] = [];
    const { client } = countingClient(async (_n, url, init, real) => {
      const body = JSON.parse(String(init!.body)) as { records: { partition?: number }[] };
      widths.push(new Set(body.records.map((r) => r.partition)).size);
      return real(url, init);
    });
    const topic = await newTopic(client, 12);
    const producer = new SluiceProducer(client, { lingerMs: 50, maxPartitionsPerCall: 5 });
    await Promise.all((await producer.send(topic, Array.from({ length: 12 }, (_, p) => ({ value: `v${p}`, partition: p })))));
    await producer.close();
    assert.deepEqual(widths, [5, 5, 2]);
    assert.throws(() => new SluiceProducer(client, { maxPartitionsPerCall: 0 }), RangeError);
  });

  test('abort fails the records not yet in a call with its reason, lets the call in flight finish, and refuses sends', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const { client } = countingClient(async (n, url, init, real) => {
      if (n === 0) {
        started();
        await held; // keep the first call in flight while more records queue behind it
      }
      return real(url, init);
    });
    const topic = await newTopic(client, 1);
    const producer = new SluiceProducer(client, { lingerMs: 0 });
    const [first] = await producer.send(topic, { value: 'in flight' });
    // Wait for the call itself (after the producer's id is taken), not for a guessed time.
    await inFlight;
    const queued = await producer.send(topic, [{ value: 'queued 1' }, { value: 'queued 2' }]);
    const reason = new Error('stop');
    const aborted = producer.abort(reason);
    for (const q of queued) await assert.rejects(q, (err) => err === reason);
    release();
    await aborted;
    assert.equal((await first!).offset, 0);
    await assert.rejects(producer.send(topic, { value: 'late' }), (err) => err === reason);
    assert.deepEqual((await readAll(client, topic, 1)).map((r) => r.value), ['in flight']);
  });

  test("compression 'gzip' sends each call's body gzip-compressed, and the platform stores the records as sent", async () => {
    const sizes: { wire: number; json: number }[] = [];
    const { client } = countingClient(async (_n, url, init, real) => {
      const wire = (init!.body as Uint8Array).byteLength;
      sizes.push({ wire, json: gunzipSync(init!.body as Uint8Array).byteLength });
      assert.equal((init!.headers as Record<string, string>)['content-encoding'], 'gzip');
      return real(url, init);
    });
    const topic = await newTopic(client, 2);
    const producer = new SluiceProducer(client, { compression: 'gzip', lingerMs: 20 });
    const values = Array.from({ length: 500 }, (_, i) => `event ${i}: customer ${i % 13} ordered ${i % 5} items`);
    const deliveries: Promise<RecordMetadata>[] = [];
    for (const value of values) deliveries.push(...(await producer.send(topic, { key: value.slice(-20), value })));
    await Promise.all(deliveries);
    await producer.close();
    assert.ok(sizes.length > 0);
    for (const size of sizes) assert.ok(size.wire * 3 < size.json, `${size.wire} bytes on the wire for ${size.json} of JSON`);
    assert.deepEqual((await readAll(client, topic, 2)).map((r) => r.value).sort(), [...values].sort());
  });

  test('close flushes and then refuses sends', async () => {
    const client = new SluiceHttpClient(platform.url);
    const topic = await newTopic(client, 1);
    const producer = new SluiceProducer(client, { lingerMs: 1_000 });
    const [delivery] = await producer.send(topic, { value: 'last' });
    await producer.close();
    assert.equal((await delivery!).offset, 0);
    await assert.rejects(producer.send(topic, { value: 'late' }), ProducerClosedError);
  });
});
